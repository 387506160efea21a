import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';

interface Member { id: string; name: string; email: string; role: string; active: boolean }
interface Named { id: string; name: string }

function toggle(set: Set<string>, id: string, on: boolean): Set<string> {
  const next = new Set(set);
  if (on) next.add(id); else next.delete(id);
  return next;
}

/** Who may see a contact: everyone, only the owner, or chosen members. The owner and admins
 * change it on the server (it is not part of the document); phones learn it from the feed. */
export function Sharing({ device, id }: { device: Device; id: string }) {
  const record = device.replica.contacts.get(id);
  const visibility = record?.meta?.visibility;
  const [members, setMembers] = useState<Member[]>([]);
  const [mode, setMode] = useState<'all' | 'chosen'>(visibility && !visibility.all ? 'chosen' : 'all');
  const [chosen, setChosen] = useState<Set<string>>(new Set(visibility && !visibility.all ? visibility.members : []));
  const [groups, setGroups] = useState<Named[]>([]);
  const [units, setUnits] = useState<Named[]>([]);
  const [chosenGroups, setChosenGroups] = useState<Set<string>>(new Set(visibility && !visibility.all ? visibility.groups : []));
  const [chosenUnits, setChosenUnits] = useState<Set<string>>(new Set(visibility && !visibility.all ? visibility.units : []));
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([
      device.call<{ members: Member[] }>('GET', '/v1/members'),
      device.call<{ groups: Named[] }>('GET', '/v1/groups'),
      device.call<{ units: Named[] }>('GET', '/v1/units'),
    ]).then(([m, g, u]) => {
      setMembers(m.members);
      setGroups(g.groups);
      setUnits(u.units);
    }).catch(() => setMessage('Sharing needs a connection.'));
  }, [device]);

  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await device.call('PUT', `/v1/contacts/${id}/visibility`, mode === 'all' ? { all: true } : { all: false, members: [...chosen], groups: [...chosenGroups], units: [...chosenUnits] });
      setMessage('Saved. Teammates\' phones follow at their next sync.');
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : 'Sharing needs a connection.');
    }
  };

  const owner = record?.meta?.owner;
  return (
    <main class="contact" aria-label="Sharing">
      <header class="contact-head">
        <a class="back" href={`#/c/${id}`} aria-label="Back to the contact">‹</a>
        <h1>Sharing</h1>
      </header>
      <form onSubmit={save}>
        <fieldset>
          <legend>Who can see this contact</legend>
          <label class="check"><input type="radio" name="mode" checked={mode === 'all'} onChange={() => setMode('all')} /> Everyone in the company</label>
          <label class="check"><input type="radio" name="mode" checked={mode === 'chosen'} onChange={() => setMode('chosen')} /> Only the owner and these people</label>
          {mode === 'chosen' && members.filter((m) => m.id !== owner && m.active).map((m) => (
            <label class="check" key={m.id}>
              <input type="checkbox" checked={chosen.has(m.id)} onChange={(e) => setChosen(toggle(chosen, m.id, e.currentTarget.checked))} /> {m.name}
            </label>
          ))}
          {mode === 'chosen' && groups.map((g) => (
            <label class="check" key={g.id}>
              <input type="checkbox" checked={chosenGroups.has(g.id)} onChange={(e) => setChosenGroups(toggle(chosenGroups, g.id, e.currentTarget.checked))} /> Group: {g.name}
            </label>
          ))}
          {mode === 'chosen' && units.map((u) => (
            <label class="check" key={u.id}>
              <input type="checkbox" checked={chosenUnits.has(u.id)} onChange={(e) => setChosenUnits(toggle(chosenUnits, u.id, e.currentTarget.checked))} /> Unit (and the units below): {u.name}
            </label>
          ))}
        </fieldset>
        {message && <p role="status">{message}</p>}
        <button class="primary" type="submit">Save sharing</button>
      </form>
    </main>
  );
}
