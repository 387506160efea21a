import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';
import { memberActions, type Member } from './members.ts';

/** The company's members, and inviting one (owners and admins): the one-time code is shown
 * once, to pass on. Owners and admins deactivate and reactivate members, the owner changes
 * roles (PATCH /v1/members/{id}); the server's refusal is shown as it says it. Needs a
 * connection. */
export function Members({ device }: { device: Device }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [message, setMessage] = useState<string | null>(null);

  const load = () => {
    device.call<{ members: Member[] }>('GET', '/v1/members').then((list) => setMembers([...list.members].sort((a, b) => a.name.localeCompare(b.name)))).catch(() => setMessage('The members list needs a connection.'));
  };
  useEffect(load, [device]);

  const me = members?.find((m) => m.id === device.session.member);
  const change = async (target: Member, body: { active?: boolean; role?: string }, done: string) => {
    try {
      await device.call<Member>('PATCH', `/v1/members/${target.id}`, body);
      setMessage(done);
    } catch (e) {
      setMessage(e instanceof ApiError ? `Refused: ${e.message}` : 'Changing a member needs a connection.');
    }
    load();
  };

  const invite = async (event: Event) => {
    event.preventDefault();
    try {
      const invited = await device.call<{ invite_code: string }>('POST', '/v1/members', { email, name, role });
      setMessage(`Invited ${name}. Their one-time code: ${invited.invite_code}`);
      setEmail('');
      setName('');
      load();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : 'Inviting needs a connection.');
    }
  };

  return (
    <main class="contact" aria-label="Members">
      <header class="contact-head">
        <a class="back" href="#/" aria-label="Back to the list">‹</a>
        <h1>Members</h1>
        <a class="button" href="#/directory">Groups and units</a>
      </header>
      <ul class="members">
        {members?.map((m) => {
          const may = me ? memberActions(me.id, me.role, m) : { toggleActive: false, changeRole: false };
          return (
            <li key={m.id} data-testid="member" data-name={m.name} data-active={String(m.active)} class={m.active ? '' : 'inactive'}>
              <span class="who">
                <strong>{m.name}</strong>
                <span class="sub"><span class="email" data-testid="member-email">{m.email}</span> · <span data-testid="member-role">{m.role}</span>{m.active ? '' : ' · '}{!m.active && <span class="badge bad" data-testid="deactivated">deactivated</span>}</span>
              </span>
              <span class="member-actions">
                {may.changeRole && (
                  <button type="button" onClick={() => void change(m, { role: m.role === 'admin' ? 'member' : 'admin' }, `${m.name} is now ${m.role === 'admin' ? 'a member' : 'an admin'}.`)}>
                    {m.role === 'admin' ? `Make ${m.name} a member` : `Make ${m.name} an admin`}
                  </button>
                )}
                {may.toggleActive && (m.active
                  ? <button type="button" class="danger" onClick={() => { if (confirm(`Deactivate ${m.name}? They are signed out everywhere at once.`)) void change(m, { active: false }, `${m.name} is deactivated.`); }}>Deactivate {m.name}</button>
                  : <button type="button" onClick={() => void change(m, { active: true }, `${m.name} is active again.`)}>Reactivate {m.name}</button>)}
              </span>
            </li>
          );
        })}
      </ul>
      <form onSubmit={invite}>
        <fieldset>
          <legend>Invite a teammate</legend>
          <label>Name<input value={name} onInput={(e) => setName(e.currentTarget.value)} required /></label>
          <label>Email<input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required /></label>
          <label>Role
            <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="member">member</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <button class="primary" type="submit">Invite</button>
        </fieldset>
      </form>
      {message && <p role="status" data-testid="members-message">{message}</p>}
    </main>
  );
}
