import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { displayName, tagList, CONTACT_TYPES } from '../sync/contact.ts';
import type { Replica } from '../sync/replica.ts';
import type { Device } from '../sync/session.ts';
import { indexTerms, matches, queryWords, sortKey } from '../sync/search.ts';
import type { ContactRecord } from '../sync/store.ts';
import { ExportPanel } from './Export.tsx';
import { presenceLine, someoneEditing } from './presence.ts';

const ROW_HEIGHT = 64;
const OVERSCAN = 8;
type Shelf = 'active' | 'archived' | 'trash';

// Records carry their terms; one stored before they did is indexed here, once per record
// object (a record is replaced, never mutated, when its contact changes).
const termsCache = new WeakMap<ContactRecord, string[]>();
function termsOf(record: ContactRecord, region: string): string[] {
  if (Array.isArray(record.terms)) return record.terms;
  let terms = termsCache.get(record);
  if (!terms) {
    terms = indexTerms(record.contact, region);
    termsCache.set(record, terms);
  }
  return terms;
}


function shelfOf(record: ContactRecord): Shelf {
  if (record.contact.lifecycle.trashed_at_ms !== null) return 'trash';
  if (record.contact.lifecycle.archived) return 'archived';
  return 'active';
}

export function ContactList({ replica, region, members, device }: { replica: Replica; region: string; version: number; members: ReadonlyMap<string, string>; device?: Device }) {
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState('');
  const [type, setType] = useState('');
  const [shelf, setShelf] = useState<Shelf>('active');
  const [scrollTop, setScrollTop] = useState(0);
  // Ticking contacts (for an export) and the export panel, which takes the list's place.
  const [selecting, setSelecting] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [exporting, setExporting] = useState(false);
  const [height, setHeight] = useState(600);
  const scroller = useRef<HTMLDivElement>(null);

  // Re-sorted only when a contact changed, by keys computed when each was written.
  const sorted = useMemo(() => {
    const rows = [...replica.contacts.values()].map((record) => ({ record, name: displayName(record.contact), key: record.sort ?? sortKey(record.contact) }));
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows;
  }, [replica, replica.contactsVersion]);

  const tags = useMemo(() => [...new Set(sorted.flatMap((r) => tagList(r.record.contact)))].sort(), [sorted]);

  const visible = useMemo(() => {
    const words = queryWords(query, region);
    return sorted.filter(({ record }) =>
      shelfOf(record) === shelf &&
      (tag === '' || record.contact.tags[tag] === true) &&
      (type === '' || record.contact.type === type) &&
      (words.length === 0 || matches(termsOf(record, region), words)));
  }, [sorted, query, tag, type, shelf, region]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // The benchmark (e2e/bench.ts) reads when the list was first drawn with rows.
  useEffect(() => {
    if (visible.length > 0 && performance.getEntriesByName('rolo-list-drawn').length === 0) performance.mark('rolo-list-drawn');
  }, [visible.length > 0]);

  // Only the rows on screen (plus a few) exist in the DOM: 10,000 contacts scroll like 20.
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  return (
    <main class="list" aria-label="Contacts">
      <h1 class="sr-only">Contacts</h1>
      <div class="toolbar">
        <input type="search" class="search" aria-label="Search contacts" placeholder="Search name, email, phone, company, tag"
          value={query} onInput={(e) => setQuery(e.currentTarget.value)} data-testid="search" />
        <div class="filters">
          <select aria-label="Shelf" value={shelf} onChange={(e) => setShelf(e.currentTarget.value as Shelf)} data-testid="filter-shelf">
            <option value="active">Contacts</option>
            <option value="archived">Archived</option>
            <option value="trash">Trash</option>
          </select>
          <select aria-label="Type" value={type} onChange={(e) => setType(e.currentTarget.value)} data-testid="filter-type">
            <option value="">Any type</option>
            {CONTACT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
          <select aria-label="Tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} data-testid="filter-tag">
            <option value="">Any tag</option>
            {tags.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        <div class="count-row">
          <p class="count" data-testid="result-count">{visible.length} {visible.length === 1 ? 'contact' : 'contacts'}{selecting ? `, ${selected.size} selected` : ''}</p>
          {device && (
            <>
              <button type="button" class="small" aria-pressed={selecting} onClick={() => { setSelecting(!selecting); if (selecting) setSelected(new Set()); }} data-testid="select-contacts">{selecting ? 'Done selecting' : 'Select'}</button>
              <button type="button" class="small" aria-expanded={exporting} onClick={() => setExporting(!exporting)} data-testid="export-contacts">Export</button>
            </>
          )}
        </div>
      </div>
      {device && exporting && (
        <div class="scroller">
          <ExportPanel device={device} shown={visible.map((v) => v.record.id)} selected={[...selected].filter((id) => replica.contacts.has(id))}
            filtered={query.trim() !== '' || tag !== '' || type !== '' || shelf !== 'active'} onClose={() => setExporting(false)} />
        </div>
      )}
      <div class="scroller" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} hidden={exporting}>
        <ul class="rows" style={{ height: `${visible.length * ROW_HEIGHT}px` }}>
          {visible.slice(first, last).map(({ record, name }, i) => {
            const org = record.contact.organizations[0];
            const pending = replica.hasPending(record.id);
            const here = replica.presenceOn(record.id);
            return (
              <li key={record.id} class={selecting ? 'row selecting' : 'row'} style={{ top: `${(first + i) * ROW_HEIGHT}px` }}>
                {selecting && (
                  <label class="row-pick">
                    <input type="checkbox" aria-label={`Select ${name || 'this contact'}`} checked={selected.has(record.id)} data-testid="row-select"
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.currentTarget.checked) next.add(record.id); else next.delete(record.id);
                        setSelected(next);
                      }} />
                  </label>
                )}
                <a href={`#/c/${record.id}`} data-testid="contact-row" data-name={name}>
                  <span class="avatar" aria-hidden="true">{(name[0] ?? '?').toUpperCase()}</span>
                  <span class="who">
                    <span class="name">{name || '(no name)'}</span>
                    {here.length > 0
                      ? <span class={someoneEditing(here) ? 'sub presence-row editing' : 'sub presence-row'} data-testid="row-presence">{presenceLine(here, members)}</span>
                      : <span class="sub">{org ? [org.title, org.company].filter(Boolean).join(', ') : record.contact.type}</span>}
                  </span>
                  {record.rejected && <span class="badge bad" title={record.rejected.message}>refused</span>}
                  {pending && <span class="badge" data-testid="row-pending">waiting</span>}
                </a>
              </li>
            );
          })}
        </ul>
        {visible.length === 0 && <p class="empty">{query ? 'No contact matches.' : 'No contacts here yet.'}</p>}
      </div>
      {!exporting && (
        <>
          <a class="fab scan-fab" href="#/cards" aria-label="Scan a business card" data-testid="scan-card">▭</a>
          <a class="fab" href="#/new" aria-label="Add a contact" data-testid="add-contact">+</a>
        </>
      )}
    </main>
  );
}
