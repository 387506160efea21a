import { useState } from 'preact/hooks';
import { ApiError } from '../sync/api.ts';
import { exportContacts, type ExportFormat } from '../sync/imports.ts';
import type { Device } from '../sync/session.ts';
import { saveDownload } from './Import.tsx';

export type ExportScope = 'all' | 'shown' | 'selected';

/** Exporting from the list: every contact the member may see, those the current search and
 * filters show, or those ticked, as CSV, Excel or vCard (3.0 for Apple devices, or 4.0). The
 * server writes the file with only what the member may see. Needs a connection. */
export function ExportPanel({ device, shown, selected, filtered, onClose }: {
  device: Device;
  /** The contacts the list shows now. */
  shown: readonly string[];
  /** The contacts ticked in the list. */
  selected: readonly string[];
  /** Whether a search or filter narrows the list. */
  filtered: boolean;
  onClose: () => void;
}) {
  const [scope, setScope] = useState<ExportScope>(selected.length > 0 ? 'selected' : filtered ? 'shown' : 'all');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [version, setVersion] = useState<3 | 4>(3);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const which: { ids: string[] } | { q?: string } = scope === 'all' ? {} : { ids: [...(scope === 'shown' ? shown : selected)] };
      const file = await exportContacts(device, format, version, which);
      saveDownload(file);
      setMessage(`Downloaded ${file.fileName}.`);
    } catch (e) {
      setMessage(e instanceof ApiError ? `Refused: ${e.message}` : 'Exporting needs a connection.');
    } finally {
      setBusy(false);
    }
  };

  const scopes: [ExportScope, string, boolean][] = [
    ['all', 'All contacts', true],
    ['shown', `The ${shown.length} shown by the search and filters`, filtered && shown.length > 0],
    ['selected', `The ${selected.length} selected`, selected.length > 0],
  ];

  return (
    <section class="export-panel" aria-labelledby="export-head" data-testid="export-panel">
      <form onSubmit={run}>
        <h2 id="export-head" class="sub-head">Export contacts</h2>
        <fieldset>
          <legend>Which contacts</legend>
          {scopes.map(([value, label, enabled]) => (
            <label class="check" key={value}>
              <input type="radio" name="export-scope" value={value} checked={scope === value} disabled={!enabled} onChange={() => setScope(value)} data-testid={`export-${value}`} />
              {label}
            </label>
          ))}
        </fieldset>
        <label>Format
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)} data-testid="export-format">
            <option value="csv">CSV (spreadsheets)</option>
            <option value="xlsx">Excel</option>
            <option value="vcard">vCard (phones, address books)</option>
          </select>
        </label>
        {format === 'vcard' && (
          <label>vCard version
            <select value={String(version)} onChange={(e) => setVersion(e.currentTarget.value === '4' ? 4 : 3)} data-testid="export-vcard-version">
              <option value="3">3.0 (Apple devices)</option>
              <option value="4">4.0</option>
            </select>
          </label>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="export-download">Download</button>
          <button type="button" onClick={onClose}>Close</button>
        </div>
        {message && <p role="status" data-testid="export-message">{message}</p>}
      </form>
    </section>
  );
}
