import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import {
  MAX_ROWS_PAGE, imports, isRestricted, uploadImport, type Download, type Duplicates, type ImportJson, type ImportRow, type MailboxLogin, type SampleFormat,
} from '../sync/imports.ts';
import type { Device } from '../sync/session.ts';
import { go } from './hooks.ts';
import {
  IGNORE, PREVIEW_PAGE, clampPage, mappingOf, mappingPatch, outcomeParts, pageCount, pageLabel, pageOffset, parseTags, percent,
  placeProblems, previewTargets, problemText, resultLine, sizeText, targetGroups, targetLabel, toggleLine, valueText, withTarget,
} from './imports.ts';

/** How often a running import is asked where it stands. */
const POLL_MS = 500;

/** Hands a downloaded file to the browser, under the server's name for it. */
export function saveDownload({ blob, fileName }: Download): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download by the next task; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function reason(error: unknown, offline: string): string {
  return error instanceof ApiError ? error.message : offline;
}

/** `#/import` (start) and `#/import/{id}` (an import: mapping, preview, progress, result). The
 * id is in the address, so a reload or a return to the screen finds a running import again. */
export function Import({ device, id }: { device: Device; id: string | null }) {
  const [job, setJob] = useState<ImportJson | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setJob(null);
    setError(null);
    if (id) imports.get(device, id).then(setJob).catch((e: unknown) => setError(reason(e, 'The import needs a connection.')));
  }, [device, id]);

  // A running import is polled until it finishes.
  useEffect(() => {
    if (job?.state !== 'running') return;
    let stopped = false;
    const timer = setTimeout(() => {
      imports.get(device, job.id).then((next) => { if (!stopped) setJob(next); }).catch(() => {
        // Offline for a moment: ask again.
        if (!stopped) setJob({ ...job });
      });
    }, POLL_MS);
    return () => { stopped = true; clearTimeout(timer); };
  }, [device, job]);

  let body;
  if (!id) body = <ImportStart device={device} />;
  else if (error) body = <p class="error" role="alert">{error}</p>;
  else if (!job) body = <p class="empty">Loading…</p>;
  else if (job.state === 'preview') body = <ImportReview device={device} job={job} onJob={setJob} />;
  else if (job.state === 'running') body = <ImportProgress device={device} job={job} onJob={setJob} />;
  else body = <ImportResult device={device} job={job} />;

  return (
    <main class="contact import" aria-label="Import contacts">
      <header class="contact-head">
        <a class="back" href={id ? '#/import' : '#/'} aria-label={id ? 'Back to choosing a file' : 'Back to the list'}>‹</a>
        <h1>Import contacts</h1>
      </header>
      {body}
    </main>
  );
}

/** Choosing what to import: a file (or a sample to fill in), or a mailbox. */
function ImportStart({ device }: { device: Device }) {
  const [source, setSource] = useState<'file' | 'mailbox'>('file');
  const [sent, setSent] = useState<{ loaded: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    setSent({ loaded: 0, total: file.size });
    try {
      const job = await uploadImport(device, file, (loaded, total) => setSent({ loaded, total }));
      go(`/import/${job.id}`);
    } catch (e) {
      setError(reason(e, 'The upload needs a connection.'));
      setSent(null);
      input.value = '';
    }
  };

  const sample = async (format: SampleFormat) => {
    try {
      saveDownload(await imports.sample(device, format));
    } catch (e) {
      setError(reason(e, 'The sample needs a connection.'));
    }
  };

  return (
    <>
      <div class="tabs" role="tablist" aria-label="Import from">
        <button type="button" role="tab" aria-selected={source === 'file'} onClick={() => setSource('file')} data-testid="import-from-file">A file</button>
        <button type="button" role="tab" aria-selected={source === 'mailbox'} onClick={() => setSource('mailbox')} data-testid="import-from-mailbox">A mailbox</button>
      </div>
      {source === 'file' ? (
        <section aria-label="Import a file">
          <p>CSV, Excel (XLSX, XLS), vCard, or Rolo's text format. Exports of Google Contacts, Outlook, LinkedIn and HubSpot are recognised as they are. Nothing is saved before you have seen every row.</p>
          <label class="button primary scan">
            Choose a file
            <input type="file" class="sr-only" accept=".csv,.txt,.xlsx,.xls,.vcf,.vcard,text/csv,text/plain,text/vcard" onChange={(e) => void upload(e)} disabled={sent !== null} data-testid="import-file" />
          </label>
          {sent && (
            <div class="progress-line">
              <progress max={Math.max(1, sent.total)} value={sent.loaded} aria-label="Uploading" />
              <span aria-live="polite">Uploading… {sizeText(sent.loaded)} of {sizeText(sent.total)}</span>
            </div>
          )}
          <h2 class="sub-head">Start from a sample</h2>
          <p>A file with the columns Rolo reads and one example row, to fill in.</p>
          <div class="actions">
            <button type="button" onClick={() => void sample('csv')} data-testid="sample-csv">Sample CSV</button>
            <button type="button" onClick={() => void sample('xlsx')} data-testid="sample-xlsx">Sample Excel</button>
            <button type="button" onClick={() => void sample('txt')} data-testid="sample-txt">Sample text</button>
          </div>
        </section>
      ) : <MailboxStart device={device} />}
      {error && <p class="error" role="alert" data-testid="import-error">{error}</p>}
    </>
  );
}

/** A mailbox over IMAP (always TLS): sign in, pick a folder and conditions; the senders and
 * recipients become rows to review like a file's. The password is not kept. */
function MailboxStart({ device }: { device: Device }) {
  const [login, setLogin] = useState<MailboxLogin>({ host: '', port: 993, username: '', password: '' });
  const [folders, setFolders] = useState<string[] | null>(null);
  const [folder, setFolder] = useState('');
  const [since, setSince] = useState('');
  const [before, setBefore] = useState('');
  const [domain, setDomain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (change: Partial<MailboxLogin>) => { setLogin({ ...login, ...change }); setFolders(null); };

  const connect = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const list = await imports.folders(device, login);
      setFolders(list);
      setFolder(list.includes('INBOX') ? 'INBOX' : (list[0] ?? ''));
    } catch (e) {
      setError(reason(e, 'Reading a mailbox needs a connection.'));
    } finally {
      setBusy(false);
    }
  };

  const read = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const query = { ...login, folder, ...(since ? { since } : {}), ...(before ? { before } : {}), ...(domain.trim() ? { sender_domain: domain.trim().replace(/^@/, '') } : {}) };
      const job = await imports.mailbox(device, query);
      go(`/import/${job.id}`);
    } catch (e) {
      setError(reason(e, 'Reading a mailbox needs a connection.'));
      setBusy(false);
    }
  };

  return (
    <section aria-label="Import from a mailbox">
      <form onSubmit={connect}>
        <fieldset>
          <legend>Your mailbox (IMAP over TLS)</legend>
          <label>Server<input value={login.host} onInput={(e) => set({ host: e.currentTarget.value.trim() })} required placeholder="imap.example.com" autocomplete="off" /></label>
          <label>Port<input type="number" min={1} max={65535} value={login.port} onInput={(e) => set({ port: Number(e.currentTarget.value) || 993 })} required /></label>
          <label>User<input value={login.username} onInput={(e) => set({ username: e.currentTarget.value })} required autocomplete="off" /></label>
          <label>Mailbox password<input type="password" value={login.password} onInput={(e) => set({ password: e.currentTarget.value })} required autocomplete="off" /></label>
          <p class="sub-note">Used for this once; Rolo does not keep it.</p>
          <button type="submit" disabled={busy} data-testid="mailbox-folders">Show folders</button>
        </fieldset>
      </form>
      {folders && (
        <form onSubmit={read}>
          <fieldset>
            <legend>Which messages</legend>
            <label>Folder
              <select value={folder} onChange={(e) => setFolder(e.currentTarget.value)} required data-testid="mailbox-folder">
                {folders.map((f) => <option key={f} value={f}>{f}</option>)}
              </select>
            </label>
            <label>From (day)<input type="date" value={since} onInput={(e) => setSince(e.currentTarget.value)} /></label>
            <label>Before (day)<input type="date" value={before} onInput={(e) => setBefore(e.currentTarget.value)} /></label>
            <label>Only addresses at this domain<input value={domain} onInput={(e) => setDomain(e.currentTarget.value)} placeholder="example.com" /></label>
            <button type="submit" class="primary" disabled={busy || !folder} data-testid="mailbox-read">Read the folder</button>
          </fieldset>
        </form>
      )}
      {busy && <p role="status">Talking to the mail server…</p>}
      {error && <p class="error" role="alert" data-testid="import-error">{error}</p>}
    </section>
  );
}

/** An import in preview: the mapping to check and change, the batch's options, and every row
 * with its problems, page by page. Each change is sent at once, so the preview is the server's
 * reading of the file under the mapping shown. */
function ImportReview({ device, job, onJob }: { device: Device; job: ImportJson; onJob: (job: ImportJson) => void }) {
  const [mapping, setMapping] = useState<string[]>(() => mappingOf(job.columns));
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<ImportRow[] | null>(null);
  const [tags, setTags] = useState(job.options.tags.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const allLines = useRef<number[] | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => setMapping(mappingOf(job.columns)), [job.columns.map((c) => c.target).join('\u0000')]);

  useEffect(() => {
    let stale = false;
    imports.rows(device, job.id, pageOffset(page, job.total), PREVIEW_PAGE)
      .then((next) => { if (!stale) setRows(next.rows); })
      .catch((e: unknown) => { if (!stale) setError(reason(e, 'The preview needs a connection.')); });
    return () => { stale = true; };
  }, [device, job.id, page, version]);

  const change = async (patch: Parameters<typeof imports.patch>[2]) => {
    setBusy(true);
    setError(null);
    try {
      onJob(await imports.patch(device, job.id, patch));
      setVersion((v) => v + 1);
    } catch (e) {
      setError(reason(e, 'Changing the import needs a connection.'));
    } finally {
      setBusy(false);
    }
  };

  const retarget = (index: number, target: string) => {
    const next = withTarget(mapping, index, target);
    setMapping(next);
    const patch = mappingPatch(job.columns, next);
    if (patch) void change({ mapping: patch });
  };

  const choose = async (line: number, on: boolean) => {
    // "Every row" becomes a list of lines the first time a row is left out: read them all once.
    if (allLines.current === null) {
      const lines: number[] = [];
      try {
        for (let offset = 0; offset < job.total; offset += MAX_ROWS_PAGE) {
          const next = await imports.rows(device, job.id, offset, MAX_ROWS_PAGE);
          lines.push(...next.rows.map((r) => r.line));
          if (next.rows.length === 0) break;
        }
      } catch (e) {
        setError(reason(e, 'Choosing rows needs a connection.'));
        return;
      }
      allLines.current = lines;
    }
    await change({ lines: toggleLine(job.options.lines, allLines.current, line, on) });
  };

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      onJob(await imports.start(device, job.id));
    } catch (e) {
      setError(reason(e, 'Starting the import needs a connection.'));
      setBusy(false);
    }
  };

  const shown = previewTargets(job.columns, mapping, rows ?? []);
  const groups = targetGroups(job.targets, mapping);
  const pages = pageCount(job.total);
  const detected = [job.format.toUpperCase(), job.encoding, job.layout && job.layout !== 'unknown' ? `${job.layout.replace(/_/g, ' ')} layout` : null].filter(Boolean).join(' · ');
  const onlyMe = isRestricted(job.options.visibility);

  return (
    <>
      <p class="import-file" data-testid="import-summary"><strong>{job.file_name ?? 'Mailbox'}</strong> — {detected} — {job.total} {job.total === 1 ? 'row' : 'rows'}</p>
      {job.columns.length > 0 && (
        <section aria-labelledby="mapping-head">
          <h2 id="mapping-head" class="sub-head">Columns</h2>
          <p class="sub-note">Where each column of the file goes. Change any that Rolo guessed wrong.</p>
          <table class="mapping" data-testid="mapping">
            <thead><tr><th scope="col">Column</th><th scope="col">Examples</th><th scope="col">Goes to</th></tr></thead>
            <tbody>
              {job.columns.map((column, index) => (
                <tr key={index} data-testid="mapping-row" data-column={column.column}>
                  <th scope="row">{column.column}</th>
                  <td class="samples">{column.samples.filter(Boolean).slice(0, 2).join(', ')}</td>
                  <td>
                    <select aria-label={`Field for the column ${column.column}`} value={mapping[index] ?? column.target} disabled={busy}
                      onChange={(e) => retarget(index, e.currentTarget.value)} data-testid="mapping-target">
                      {groups.map((group) => (
                        <optgroup key={group.label} label={group.label}>
                          {group.targets.map((t) => <option key={t.key} value={t.key}>{t.key === IGNORE ? 'Ignore this column' : t.label || t.key}</option>)}
                        </optgroup>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <fieldset>
        <legend>Already in your contacts</legend>
        <p class="sub-note">A row with the email, phone or messaging handle of a contact you can see:</p>
        {([
          ['merge', 'Merge: fill that contact\'s empty fields'],
          ['skip', 'Skip the row'],
          ['replace', 'Replace that contact\'s fields'],
        ] as [Duplicates, string][]).map(([value, label]) => (
          <label class="check" key={value}>
            <input type="radio" name="duplicates" value={value} checked={job.options.duplicates === value} disabled={busy}
              onChange={() => void change({ duplicates: value })} data-testid={`duplicates-${value}`} />
            {label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Every imported contact</legend>
        <label>Tags (separated by commas)
          <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} data-testid="import-tags"
            onChange={() => { const list = parseTags(tags); if (list.join() !== job.options.tags.join()) void change({ tags: list }); }} />
        </label>
        <label class="check"><input type="radio" name="visibility" checked={!onlyMe} disabled={busy} onChange={() => void change({ visibility: { all: true } })} />Everyone in the company can see them</label>
        <label class="check"><input type="radio" name="visibility" checked={onlyMe} disabled={busy} onChange={() => void change({ visibility: { all: false, members: [], groups: [], units: [] } })} data-testid="import-only-me" />Only I can see them</label>
      </fieldset>

      <section aria-labelledby="preview-head">
        <h2 id="preview-head" class="sub-head">Rows</h2>
        <p class="sub-note">Untick a row to leave it out. A row with a problem is not imported: it goes to the error file, to fix and import again.</p>
        <Pager page={page} pages={pages} total={job.total} onPage={(p) => setPage(clampPage(p, job.total))} />
        {rows === null ? <p class="empty">Reading…</p> : (
          <ol class="import-rows" data-testid="import-rows">
            {rows.map((row) => {
              const placed = placeProblems(row, job.columns, mapping, shown);
              const valid = row.problems.length === 0;
              return (
                <li key={row.line} class={valid ? '' : 'has-problem'} data-testid="import-row" data-line={row.line} data-valid={String(valid)}>
                  <label class="check">
                    <input type="checkbox" checked={row.selected} disabled={busy} onChange={(e) => void choose(row.line, e.currentTarget.checked)} data-testid="row-selected" />
                    <span>Import line {row.line}{row.duplicate_of ? <span class="badge">matches a contact</span> : null}{!valid ? <span class="badge bad">{row.problems.length} {row.problems.length === 1 ? 'problem' : 'problems'}</span> : null}</span>
                  </label>
                  <dl class="row-values">
                    {shown.map((target) => {
                      const text = valueText(row.values[target]);
                      const problems = placed.byTarget.get(target);
                      if (!text && !problems) return null;
                      return (
                        <div key={target} class={problems ? 'invalid' : ''} data-testid={problems ? 'row-problem' : 'row-value'} data-field={problems?.[0]?.field ?? target}>
                          <dt>{targetLabel(job.targets, target)}</dt>
                          <dd>
                            {text || <em>empty</em>}
                            {problems?.map((p, i) => <span key={i} class="problem" data-testid="problem-reason" data-code={p.code}>⚠ {problemText(p)}</span>)}
                          </dd>
                        </div>
                      );
                    })}
                  </dl>
                  {placed.other.map((p, i) => (
                    <p key={i} class="problem" data-testid="row-problem" data-field={p.field} data-code={p.code}>⚠ {p.column ? `${p.column}: ` : ''}{problemText(p)}</p>
                  ))}
                </li>
              );
            })}
          </ol>
        )}
        {pages > 1 && <Pager page={page} pages={pages} total={job.total} onPage={(p) => setPage(clampPage(p, job.total))} />}
      </section>
      {error && <p class="error" role="alert" data-testid="import-error">{error}</p>}
      <div class="actions">
        <button type="button" class="primary" onClick={() => void start()} disabled={busy} data-testid="start-import">Import</button>
        <a class="button" href="#/import">Choose another file</a>
      </div>
    </>
  );
}

function Pager({ page, pages, total, onPage }: { page: number; pages: number; total: number; onPage: (page: number) => void }) {
  return (
    <nav class="pager" aria-label="Pages of rows">
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 0} aria-label="Previous rows">‹ Previous</button>
      <span aria-live="polite" data-testid="page-label">{pageLabel(page, total)}</span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages - 1} aria-label="Next rows">Next ›</button>
    </nav>
  );
}

function ImportProgress({ device, job, onJob }: { device: Device; job: ImportJson; onJob: (job: ImportJson) => void }) {
  const [error, setError] = useState<string | null>(null);
  const cancel = async () => {
    if (!confirm('Stop the import? The rows imported so far stay imported.')) return;
    try {
      onJob(await imports.cancel(device, job.id));
    } catch (e) {
      setError(reason(e, 'Stopping the import needs a connection.'));
    }
  };
  return (
    <section aria-label="Importing" data-testid="import-running">
      <div class="progress-line">
        <progress max={Math.max(1, job.total)} value={job.done} aria-label="Rows imported so far" />
        <span role="status">Importing… {job.done} of {job.total} rows ({percent(job.done, job.total)}%)</span>
      </div>
      <p class="sub-note">The server carries on if you leave this screen or lose the connection; come back to see where it stands.</p>
      <button type="button" class="danger" onClick={() => void cancel()} data-testid="cancel-import">Stop the import</button>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function ImportResult({ device, job }: { device: Device; job: ImportJson }) {
  const [error, setError] = useState<string | null>(null);
  const errors = async () => {
    try {
      saveDownload(await imports.errors(device, job.id));
    } catch (e) {
      setError(reason(e, 'The error file needs a connection.'));
    }
  };
  return (
    <section aria-label="Import result">
      <p class="import-result" role="status" data-testid="import-result" data-state={job.state}>{resultLine(job)}</p>
      {job.state !== 'done' && <p class="error" role="alert">The import stopped{job.error ? `: ${job.error}` : '.'}</p>}
      <p data-testid="import-outcome">{outcomeParts(job).join(' · ')}</p>
      {job.failed > 0 && job.file_deleted_ms != null && (
        <p data-testid="errors-deleted">The uploaded file was deleted after the days it is kept for, so its error file can no longer be made; upload the file again to see its rows.</p>
      )}
      {job.failed > 0 && job.file_deleted_ms == null && (
        <>
          <p>The rows not imported are in an error file: the file as you uploaded it, with an added column saying what is wrong in each. Fix them and import the file again.</p>
          <button type="button" class="primary" onClick={() => void errors()} data-testid="download-errors">Download the {job.failed} {job.failed === 1 ? 'row' : 'rows'} not imported</button>
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <a class="button" href="#/" data-testid="import-done">Back to the contacts</a>
        <a class="button" href="#/import">Import another file</a>
      </div>
    </section>
  );
}
