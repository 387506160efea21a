import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import type { Device } from '../sync/session.ts';

interface FieldChange { path: string; kind: string; old: string | null; new: string | null }
interface Revision {
  id: string; at_ms: number; member: string | null; member_name: string | null; via: string; event: string | null; changes: FieldChange[];
}

function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Who changed what and when (from the server, which reads it from the document's changes),
 * with each field restorable as it was after that revision. Needs a connection. */
export function History({ device, id }: { device: Device; id: string }) {
  const [revisions, setRevisions] = useState<Revision[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [restored, setRestored] = useState<string | null>(null);

  const load = () => {
    device.call<{ revisions: Revision[] }>('GET', `/v1/contacts/${id}/history`)
      .then((page) => setRevisions(page.revisions))
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'The history needs a connection.'));
  };
  useEffect(load, [device, id]);

  const restore = async (revision: string, field: string) => {
    try {
      await device.call('POST', `/v1/contacts/${id}/history/${revision}/restore`, { field });
      setRestored(field);
      load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Restoring needs a connection.');
    }
  };

  return (
    <main class="contact" aria-label="History">
      <header class="contact-head">
        <a class="back" href={`#/c/${id}`} aria-label="Back to the contact">‹</a>
        <h1>History</h1>
      </header>
      {error && <p class="error" role="alert">{error}</p>}
      {restored && <p class="pending" role="status" data-testid="restored">Restored {restored}; it reaches every phone through the feed.</p>}
      {revisions === null && !error && <p>Loading…</p>}
      <ol class="history">
        {revisions?.map((r) => (
          <li key={r.id} data-testid="revision">
            <p class="revision-who"><strong>{r.member_name ?? 'Someone'}</strong> {r.event ?? 'edited'} · <time>{when(r.at_ms)}</time>{r.via !== 'app' ? ` · via ${r.via}` : ''}</p>
            <ul>
              {r.changes.map((c) => (
                <li key={c.path} class="diff">
                  <span class="path">{c.path}</span>
                  {c.old !== null && <del>{c.old}</del>}
                  {c.new !== null && <ins>{c.new}</ins>}
                  <button type="button" onClick={() => void restore(r.id, c.path)} aria-label={`Restore ${c.path} as it was after this change`}>Restore</button>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </main>
  );
}
