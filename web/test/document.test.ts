import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as A from '@automerge/automerge/slim';
import { createDocument, editDocument, readContact } from '../src/sync/document.ts';
import { emptyContact, type ContactJson } from '../src/sync/contact.ts';

const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../../sync-core/tests/corpus/layout-1/${file}`, import.meta.url)));
const by = { member: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9c01', device: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9d10' };

/** Every scalar of a document as `path: automerge type`, the way the layout is compared. */
function layoutOf(doc: A.Doc<unknown>): Record<string, string> {
  const backend = A.getBackend(doc as A.Doc<Record<string, unknown>>);
  const out: Record<string, string> = {};
  const walk = (obj: string, kind: string, path: string) => {
    const props: (string | number)[] = kind === 'list' ? [...Array(backend.length(obj)).keys()] : backend.keys(obj);
    for (const prop of props) {
      const got = backend.getWithType(obj, prop);
      if (!got) continue;
      const [type, value] = got as [string, unknown];
      const at = path + (kind === 'list' ? '[]' : (path ? '.' : '') + String(prop));
      out[at] = type;
      if (type === 'map' || type === 'list') walk(value as string, type, at);
    }
  };
  walk('_root', 'map', '');
  return out;
}

function fullContact(): ContactJson {
  const c = emptyContact();
  c.name = { prefix: 'Dr.', given: 'Mara', middle: 'Elin', family: 'Lindqvist', suffix: 'PhD', phonetic_given: 'MAH-rah', phonetic_family: 'LIND-kvist', nickname: 'Mia' };
  c.phones = [{ id: 'p1', label: 'work', e164: '+46812345678', raw: '08-123 456 78' }];
  c.emails = [{ id: 'e1', label: 'work', address: 'mara@nordkap.example' }];
  c.addresses = [{ id: 'a1', label: 'work', street: 'Sveavägen 44', city: 'Stockholm', region: 'Stockholms län', postal_code: '111 34', country: 'SE' }];
  c.organizations = [{ id: 'o1', company: 'Nordkap Instrument AB', department: 'Inköp', title: 'Head of Purchasing' }];
  c.dates = [{ id: 'd1', label: 'birthday', date: { year: 1984, month: 2, day: 29 } }, { id: 'd2', label: 'anniversary', date: { year: null, month: 9, day: 1 } }];
  c.urls = [{ id: 'u1', label: 'work', url: 'https://nordkap.example/team' }];
  c.social = [{ id: 's1', network: 'linkedin', handle: 'maralindqvist' }];
  c.type = 'customer';
  c.level = 'primary';
  c.language = 'sv-SE';
  c.tags = { nordics: true, 'trade fair 2024': true };
  c.notes = 'Met at the fair.\nWants an offer.';
  c.custom = { Account: { text: 'NK-0042' }, Budget: { number: 125000.5 }, 'Signed NDA': { bool: true }, Renewal: { date: { year: 2025, month: 3, day: 31 } } };
  c.activity = [{ id: 'v1', kind: 'call', at_ms: 1700000000000, by: 'member-3', text: 'Asked for the price list' }];
  c.photo = { sha256: 'ab'.repeat(20), mime: 'image/jpeg', bytes: 48213 };
  c.card_images = [{ id: 'c1', side: 'front', blob: { sha256: 'cd'.repeat(20), mime: 'image/png', bytes: 120456 } }];
  return c;
}

describe('the contact document layout', () => {
  it('a contact written here has the same keys and value types as sync-core writes', () => {
    const rust = layoutOf(A.load(corpus('full.automerge')));
    const ours = layoutOf(createDocument(fullContact(), by).doc);
    // The corpus's second date has no year (null) and a trashed_at_ms that is null; ours match.
    expect(ours).toEqual(rust);
  });

  it('a minimal contact has every key, absent options null', () => {
    const c = emptyContact();
    c.name.given = 'Jonas';
    expect(layoutOf(createDocument(c, by).doc)).toEqual(layoutOf(A.load(corpus('minimal.automerge'))));
  });

  it('reads the corpus documents sync-core wrote', () => {
    const full = readContact(A.load(corpus('full.automerge')));
    expect(full.name.given).toBe('Mara');
    expect(full.phones.map((p) => p.e164)).toEqual(['+46812345678', '+81312345678']);
    expect(full.dates[1]!.date).toEqual({ year: null, month: 9, day: 1 });
    expect(full.notes).toContain('Göteborg');
    expect(full.custom.Budget).toEqual({ number: 125000.5 });
    const life = readContact(A.load(corpus('lifecycle.automerge')));
    expect(life.lifecycle).toEqual({ archived: true, trashed_at_ms: 1710000000000, merged_into: '00000000-0000-0000-0000-000000000001' });
  });

  it('round-trips a contact and edits list items in place by id', () => {
    const start = fullContact();
    const { doc } = createDocument(start, by);
    expect(readContact(doc)).toEqual(start);
    const next = structuredClone(start);
    next.phones[0]!.label = 'mobile';
    next.phones.push({ id: 'p9', label: 'home', e164: '+46701234567', raw: '070-123 45 67' });
    next.emails = [];
    delete next.tags.nordics;
    next.notes = 'Met at the fair.\nWants an offer by May.';
    const edited = editDocument(doc, start, next, by);
    expect(edited).not.toBeNull();
    expect(readContact(edited!.doc)).toEqual(next);
    // The edit kept the layout: nothing became text or lost a key.
    const layout = layoutOf(edited!.doc);
    expect(layout['phones[].label']).toBe('str');
    expect(layout['notes']).toBe('text');
    // The change carries the attribution in milliseconds (protocol section 15.1).
    const decoded = A.decodeChange(edited!.change);
    expect(JSON.parse(decoded.message!)).toEqual({ m: by.member, d: by.device });
    expect(decoded.time).toBeGreaterThan(1e11);
  });

  it('an edit that changes nothing makes no change', () => {
    const start = fullContact();
    const { doc } = createDocument(start, by);
    expect(editDocument(doc, start, structuredClone(start), by)).toBeNull();
  });

  it('keeps a key a newer layout added when editing', () => {
    const { doc } = createDocument(fullContact(), by);
    const newer = A.change(doc, (d: Record<string, unknown>) => { (d.name as Record<string, unknown>).title_case = new A.ImmutableString('x'); });
    const before = readContact(newer);
    const after = structuredClone(before);
    after.name.given = 'Mina';
    const edited = editDocument(newer, before, after, by)!;
    expect(String((edited.doc as unknown as { name: Record<string, unknown> }).name.title_case)).toBe('x');
  });
});
