import { useEffect, useState } from 'preact/hooks';
import { ACTIVITY_KINDS, displayName, formatPartialDate, tagList, type ContactJson } from '../sync/contact.ts';
import { newItemId } from '../sync/ids.ts';
import type { Replica } from '../sync/replica.ts';
import type { Device } from '../sync/session.ts';
import { localInputValue, newestFirst, pickedTime } from './activity.ts';
import { CardImages } from './Cards.tsx';
import { customDisplay } from './custom.ts';
import { presenceLine } from './presence.ts';
import { go } from './hooks.ts';

function mapLink(address: ContactJson['addresses'][number]): string {
  const text = [address.street, address.postal_code, address.city, address.region, address.country].filter(Boolean).join(', ');
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(text)}`;
}

/** The phone's local time, as the rep picked it when logging. */
function when(ms: number): string {
  return localInputValue(ms).replace('T', ' ');
}

export function ContactView({ replica, id, members, device }: { replica: Replica; id: string; members: Map<string, string>; device: Device }) {
  const record = replica.contacts.get(id);
  const [kind, setKind] = useState<string>('call');
  const [note, setNote] = useState('');
  const [at, setAt] = useState('');

  useEffect(() => {
    replica.sendPresence(id, 'viewing');
    return () => replica.sendPresence(id, 'left');
  }, [replica, id, replica.status]);

  if (!record) {
    return (
      <main class="contact" aria-label="Contact">
        <p class="empty">This contact is not on this device (it may have been removed or unshared).</p>
        <a class="button" href="#/">Back to the list</a>
      </main>
    );
  }
  const c = record.contact;
  const name = displayName(c);
  const others = replica.presenceOn(id);

  const edit = (change: (draft: ContactJson) => void) => {
    if (record.empty) return;
    const draft = structuredClone(c);
    change(draft);
    void replica.edit(id, draft);
  };

  const addActivity = (event: Event) => {
    event.preventDefault();
    if (!note.trim()) return;
    edit((d) => d.activity.push({ id: newItemId(), kind, at_ms: pickedTime(at, Date.now()), by: replica.member, text: note.trim() }));
    setNote('');
    setAt('');
  };

  return (
    <main class="contact" aria-label={`Contact ${name}`}>
      <header class="contact-head">
        <a class="back" href="#/" aria-label="Back to the list">‹</a>
        <h1 data-testid="contact-name">{name || '(no name)'}</h1>
        {!record.empty && <a class="button" href={`#/c/${id}/edit`} data-testid="edit-contact">Edit</a>}
      </header>
      {others.length > 0 && (
        <p class="presence" data-testid="presence">
          {presenceLine(others, members, ' this contact')}
        </p>
      )}
      {record.rejected && (
        <div class="rejected" role="alert" data-testid="rejected">
          <strong>The server refused your changes to this contact</strong> ({record.rejected.code}): {record.rejected.message}
          <button type="button" onClick={() => void replica.dismissRejection(id)}>Dismiss</button>
        </div>
      )}
      {record.empty && <p class="pending">Fetching the server's version of this contact…</p>}
      {replica.hasPending(id) && <p class="pending" data-testid="contact-pending">Saved on this phone; waiting to sync.</p>}
      {c.lifecycle.trashed_at_ms !== null && <p class="shelf-note">In the trash.</p>}
      {c.lifecycle.archived && <p class="shelf-note">Archived.</p>}

      <dl class="fields">
        {c.organizations.map((o) => (
          <div key={o.id}><dt>Works at</dt><dd>{[o.title, o.department, o.company].filter(Boolean).join(', ')}</dd></div>
        ))}
        {c.phones.map((p) => (
          <div key={p.id}><dt>{p.label || 'phone'}</dt><dd><a href={`tel:${p.e164 || p.raw}`} data-testid="phone-link">{p.raw || p.e164}</a></dd></div>
        ))}
        {c.emails.map((e) => (
          <div key={e.id}><dt>{e.label || 'email'}</dt><dd><a href={`mailto:${e.address}`}>{e.address}</a></dd></div>
        ))}
        {c.addresses.map((a) => (
          <div key={a.id}><dt>{a.label || 'address'}</dt><dd><a href={mapLink(a)} rel="noopener" target="_blank">
            {[a.street, `${a.postal_code} ${a.city}`.trim(), a.region, a.country].filter(Boolean).join(', ')}</a></dd></div>
        ))}
        {c.dates.map((d) => <div key={d.id}><dt>{d.label || 'date'}</dt><dd>{formatPartialDate(d.date)}</dd></div>)}
        {c.urls.map((u) => <div key={u.id}><dt>{u.label || 'web'}</dt><dd><a href={u.url} rel="noopener" target="_blank">{u.url}</a></dd></div>)}
        {c.social.map((s) => <div key={s.id}><dt>{s.network}</dt><dd>{s.handle}</dd></div>)}
        <div><dt>Type</dt><dd data-testid="contact-type">{c.type}{c.level ? `, ${c.level}` : ''}</dd></div>
        {c.language && <div><dt>Language</dt><dd>{c.language}</dd></div>}
        {tagList(c).length > 0 && <div><dt>Tags</dt><dd>{tagList(c).map((t) => <span class="tag" key={t}>{t}</span>)}</dd></div>}
        {c.notes && <div><dt>Notes</dt><dd class="notes" data-testid="contact-notes">{c.notes}</dd></div>}
        {Object.entries(c.custom).map(([key, value]) => (
          <div key={key} data-testid="custom-value" data-name={key}><dt>{key}</dt><dd>{customDisplay(value)}</dd></div>
        ))}
      </dl>

      <CardImages device={device} images={c.card_images} />

      <section class="activity" aria-label="Activity">
        <h2>Activity</h2>
        {!record.empty && (
          <form onSubmit={addActivity} class="activity-form" aria-label="Log an activity">
            <label>Kind
              <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="activity-kind">
                {ACTIVITY_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
              </select>
            </label>
            <label>When (empty: now)
              <input type="datetime-local" value={at} onInput={(e) => setAt(e.currentTarget.value)} data-testid="activity-at" />
            </label>
            <label>What happened
              <input value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder="Called about the offer" data-testid="activity-text" />
            </label>
            <button type="submit" disabled={!note.trim()}>Log</button>
          </form>
        )}
        {c.activity.length === 0 && <p class="sub">Nothing logged yet.</p>}
        <ul>
          {newestFirst(c.activity).map((a) => (
            <li key={a.id} data-testid="activity" data-kind={a.kind}>
              <span class="kind">{a.kind}</span> <span class="activity-text">{a.text}</span>
              <span class="sub activity-when"> <time>{when(a.at_ms)}</time>{members.get(a.by) ? ` · ${members.get(a.by)}` : ''}</span>
            </li>
          ))}
        </ul>
      </section>

      <div class="actions">
        <a class="button" href={`#/c/${id}/history`} data-testid="history">History</a>
        {record.meta?.owner === replica.member && <a class="button" href={`#/c/${id}/share`} data-testid="share">Sharing</a>}
        {c.lifecycle.trashed_at_ms === null ? (
          <>
            <button type="button" onClick={() => edit((d) => { d.lifecycle.archived = !d.lifecycle.archived; })} data-testid="archive">
              {c.lifecycle.archived ? 'Unarchive' : 'Archive'}
            </button>
            <button type="button" class="danger" onClick={() => { edit((d) => { d.lifecycle.trashed_at_ms = Date.now(); }); go('/'); }} data-testid="trash">Move to trash</button>
          </>
        ) : (
          <button type="button" onClick={() => edit((d) => { d.lifecycle.trashed_at_ms = null; })} data-testid="restore">Restore</button>
        )}
      </div>
    </main>
  );
}
