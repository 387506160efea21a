import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';

interface Member { id: string; name: string; active: boolean }
interface Group { id: string; name: string; members: string[] }
interface Unit { id: string; name: string; parent: string | null; members: string[] }

/** Units in tree order, each with its depth, so "Sales › Tokyo" sits under "Sales". */
function unitTree(units: Unit[]): { unit: Unit; depth: number }[] {
  const out: { unit: Unit; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const unit of units.filter((u) => u.parent === parent).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ unit, depth });
      walk(unit.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** Groups and org units (owners and admins change them; everyone reads them). Online only. */
export function Directory({ device }: { device: Device }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [groups, setGroups] = useState<Group[]>([]);
  const [units, setUnits] = useState<Unit[]>([]);
  const [groupName, setGroupName] = useState('');
  const [unitName, setUnitName] = useState('');
  const [unitParent, setUnitParent] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  const load = () => {
    Promise.all([
      device.call<{ members: Member[] }>('GET', '/v1/members'),
      device.call<{ groups: Group[] }>('GET', '/v1/groups'),
      device.call<{ units: Unit[] }>('GET', '/v1/units'),
    ]).then(([m, g, u]) => {
      setMembers(m.members);
      setGroups(g.groups);
      setUnits(u.units);
    }).catch(() => setMessage('The directory needs a connection.'));
  };
  useEffect(load, [device]);

  const act = async (method: string, path: string, body?: unknown) => {
    try {
      await device.call(method, path, body);
      setMessage(null);
      load();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : 'That needs a connection.');
    }
  };
  const name = (id: string) => members.find((m) => m.id === id)?.name ?? id;

  const memberPicker = (label: string, current: string[], add: (member: string) => void) => (
    <select aria-label={label} value="" onChange={(e) => { if (e.currentTarget.value) add(e.currentTarget.value); }}>
      <option value="">Add a member…</option>
      {members.filter((m) => m.active && !current.includes(m.id)).map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
    </select>
  );

  return (
    <main class="contact" aria-label="Groups and units">
      <header class="contact-head">
        <a class="back" href="#/members" aria-label="Back to the members">‹</a>
        <h1>Groups and units</h1>
      </header>
      {message && <p class="error" role="alert">{message}</p>}
      <section aria-label="Groups">
        <h2>Groups</h2>
        {groups.map((g) => (
          <fieldset key={g.id}>
            <legend>{g.name}</legend>
            <ul class="members">
              {g.members.map((m) => (
                <li key={m}>{name(m)} <button type="button" aria-label={`Remove ${name(m)} from ${g.name}`} onClick={() => void act('DELETE', `/v1/groups/${g.id}/members/${m}`)}>Remove</button></li>
              ))}
            </ul>
            {memberPicker(`Add a member to ${g.name}`, g.members, (member) => void act('POST', `/v1/groups/${g.id}/members`, { member }))}
          </fieldset>
        ))}
        <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void act('POST', '/v1/groups', { name: groupName }); setGroupName(''); }}>
          <label>New group<input value={groupName} onInput={(e) => setGroupName(e.currentTarget.value)} required placeholder="Tokyo key accounts" /></label>
          <button type="submit">Create group</button>
        </form>
      </section>
      <section aria-label="Org units">
        <h2>Org units</h2>
        {unitTree(units).map(({ unit, depth }) => (
          <fieldset key={unit.id} class={`depth-${Math.min(depth, 4)}`}>
            <legend>{unit.name}</legend>
            <ul class="members">
              {unit.members.map((m) => (
                <li key={m}>{name(m)} <button type="button" aria-label={`Remove ${name(m)} from ${unit.name}`} onClick={() => void act('DELETE', `/v1/units/${unit.id}/members/${m}`)}>Remove</button></li>
              ))}
            </ul>
            {memberPicker(`Add a member to ${unit.name}`, unit.members, (member) => void act('POST', `/v1/units/${unit.id}/members`, { member }))}
          </fieldset>
        ))}
        <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void act('POST', '/v1/units', { name: unitName, parent: unitParent || null }); setUnitName(''); }}>
          <label>New unit<input value={unitName} onInput={(e) => setUnitName(e.currentTarget.value)} required placeholder="Sales" /></label>
          <label>Inside
            <select value={unitParent} onChange={(e) => setUnitParent(e.currentTarget.value)}>
              <option value="">(top level)</option>
              {unitTree(units).map(({ unit, depth }) => <option key={unit.id} value={unit.id}>{'· '.repeat(depth)}{unit.name}</option>)}
            </select>
          </label>
          <button type="submit">Create unit</button>
        </form>
      </section>
    </main>
  );
}
