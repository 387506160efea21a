import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';

interface Member { id: string; name: string; email: string; role: string; active: boolean }

/** The company's members, and inviting one (owners and admins): the one-time code is shown
 * once, to pass on. Needs a connection. */
export function Members({ device }: { device: Device }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [message, setMessage] = useState<string | null>(null);

  const load = () => {
    device.call<{ members: Member[] }>('GET', '/v1/members').then((list) => setMembers(list.members)).catch(() => setMessage('The members list needs a connection.'));
  };
  useEffect(load, [device]);

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
        {members?.map((m) => (
          <li key={m.id}><strong>{m.name}</strong> <span class="sub">{m.email} · {m.role}{m.active ? '' : ' · deactivated'}</span></li>
        ))}
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
