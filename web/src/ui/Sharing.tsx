import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';

interface Member { id: string; name: string; email: string; role: string; active: boolean }

/** Who may see a contact: everyone, only the owner, or chosen members. The owner and admins
 * change it on the server (it is not part of the document); phones learn it from the feed. */
export function Sharing({ device, id }: { device: Device; id: string }) {
  const record = device.replica.contacts.get(id);
  const visibility = record?.meta?.visibility;
  const [members, setMembers] = useState<Member[]>([]);
  const [mode, setMode] = useState<'all' | 'chosen'>(visibility && !visibility.all ? 'chosen' : 'all');
  const [chosen, setChosen] = useState<Set<string>>(new Set(visibility && !visibility.all ? visibility.members : []));
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    device.call<{ members: Member[] }>('GET', '/v1/members').then((list) => setMembers(list.members)).catch(() => setMessage('Sharing needs a connection.'));
  }, [device]);

  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await device.call('PUT', `/v1/contacts/${id}/visibility`, mode === 'all' ? { all: true } : { all: false, members: [...chosen] });
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
              <input type="checkbox" checked={chosen.has(m.id)} onChange={(e) => {
                const next = new Set(chosen);
                if (e.currentTarget.checked) next.add(m.id); else next.delete(m.id);
                setChosen(next);
              }} /> {m.name}
            </label>
          ))}
        </fieldset>
        {message && <p role="status">{message}</p>}
        <button class="primary" type="submit">Save sharing</button>
      </form>
    </main>
  );
}
