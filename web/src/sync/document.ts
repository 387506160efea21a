// Maps ContactJson onto one Automerge document exactly as sync-core writes it (layout 1):
// every key present; scalar strings as ImmutableString (Automerge's JS API would make text);
// only `notes` is text; integers of the u8/u16/u64 fields as Uint, milliseconds as Int, custom
// numbers as Float64; absent options null; list items carry string ids and are edited in place.
// Keys this code does not know are never touched, so a newer layout's fields survive our edits
// (protocol section 14.1).

import * as A from '@automerge/automerge/slim';
import {
  emptyContact, type ContactJson, type PartialDateJson, type BlobRefJson, type ListKey,
} from './contact.ts';

// Automerge's document type: the shape is checked by hand when reading (readContact).
type Doc = Record<string, unknown>;
export type ContactDocument = A.Doc<Doc>;

const str = (value: string) => new A.ImmutableString(value);

function dateValue(date: PartialDateJson): Doc {
  return { year: date.year === null ? null : new A.Uint(date.year), month: new A.Uint(date.month), day: new A.Uint(date.day) };
}

function blobValue(blob: BlobRefJson): Doc {
  return { sha256: str(blob.sha256), mime: str(blob.mime), bytes: new A.Uint(blob.bytes) };
}

/** Converts one field value of a list item (or a nested map) to its document form. */
function fieldValue(key: string, value: unknown): unknown {
  if (value === null) return null;
  if (key === 'date') return dateValue(value as PartialDateJson);
  if (key === 'blob') return blobValue(value as BlobRefJson);
  if (key === 'at_ms') return value as number; // an integer number is stored as Int
  if (typeof value === 'string') return str(value);
  return value;
}

function itemValue(item: object): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(item)) out[key] = fieldValue(key, value);
  return out;
}

function customValue(value: Record<string, unknown>): Doc {
  const out: Doc = {};
  for (const [kind, inner] of Object.entries(value)) {
    if (kind === 'text') out[kind] = str(String(inner));
    else if (kind === 'number') out[kind] = new A.Float64(Number(inner));
    else if (kind === 'date') out[kind] = dateValue(inner as PartialDateJson);
    else out[kind] = inner;
  }
  return out;
}

/** The whole contact as document values: what a new contact's first change writes. */
function contactValue(contact: ContactJson): Doc {
  const name: Doc = {};
  for (const [key, value] of Object.entries(contact.name)) name[key] = str(value);
  const custom: Doc = {};
  for (const [key, value] of Object.entries(contact.custom)) custom[key] = customValue(value);
  return {
    name,
    phones: contact.phones.map(itemValue),
    emails: contact.emails.map(itemValue),
    addresses: contact.addresses.map(itemValue),
    organizations: contact.organizations.map(itemValue),
    dates: contact.dates.map(itemValue),
    urls: contact.urls.map(itemValue),
    social: contact.social.map(itemValue),
    type: str(contact.type),
    level: contact.level === null ? null : str(contact.level),
    language: contact.language === null ? null : str(contact.language),
    tags: { ...contact.tags },
    notes: contact.notes, // a plain JS string becomes Automerge text: the one text field
    custom,
    activity: contact.activity.map(itemValue),
    photo: contact.photo === null ? null : blobValue(contact.photo),
    card_images: contact.card_images.map(itemValue),
    lifecycle: {
      archived: contact.lifecycle.archived,
      trashed_at_ms: contact.lifecycle.trashed_at_ms,
      merged_into: contact.lifecycle.merged_into === null ? null : str(contact.lifecycle.merged_into),
    },
  };
}

/** Who made a change and when (protocol section 15.1): time in ms, message {m, d}. */
export interface Attribution {
  member: string;
  device: string;
}

function commitOptions(by: Attribution): A.ChangeOptions<Doc> {
  return { message: JSON.stringify({ m: by.member, d: by.device }), time: Date.now() };
}

export function emptyDocument(): ContactDocument {
  return A.init<Doc>();
}

/** A new contact's document and its one change. */
export function createDocument(contact: ContactJson, by: Attribution): { doc: ContactDocument; change: Uint8Array } {
  const value = contactValue(contact);
  const doc = A.change(A.init<Doc>(), commitOptions(by), (d) => {
    for (const [key, v] of Object.entries(value)) put(d, key, v);
  });
  const change = A.getLastLocalChange(doc);
  if (!change) throw new Error('a new contact always makes a change');
  return { doc, change };
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Writes `value` at `target[key]` one level at a time. Automerge's JS API recognises Uint,
 * Float64 and ImmutableString only in a direct assignment: a nested plain object handed over
 * whole would store them as maps. So maps and lists are created empty and filled field by field.
 */
function put(target: Doc | unknown[], key: string | number, value: unknown): void {
  const slot = target as Record<string | number, unknown>;
  if (isPlainMap(value)) {
    slot[key] = {};
    const child = slot[key] as Doc;
    for (const [k, v] of Object.entries(value)) put(child, k, v);
  } else if (Array.isArray(value)) {
    slot[key] = [];
    const child = slot[key] as unknown[];
    value.forEach((v) => append(child, v));
  } else {
    slot[key] = value;
  }
}

/** Appends `value` to an Automerge list, nested values written as `put` does. */
function append(list: unknown[], value: unknown): void {
  if (isPlainMap(value)) {
    list.push({});
    const child = list[list.length - 1] as Doc;
    for (const [k, v] of Object.entries(value)) put(child, k, v);
  } else if (Array.isArray(value)) {
    list.push([]);
    const child = list[list.length - 1] as unknown[];
    value.forEach((v) => append(child, v));
  } else {
    list.push(value);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const LIST_KEYS: ListKey[] = ['phones', 'emails', 'addresses', 'organizations', 'dates', 'urls', 'social'];

/** Writes the difference `before` → `after` into the list `key`, matching items by id. */
function writeList(d: Doc, key: string, before: object[], after: object[]): void {
  if (sameJson(before, after)) return;
  if (!Array.isArray(d[key])) put(d, key, []);
  const list = d[key] as Doc[];
  const wanted = new Set(after.map((item) => (item as { id: string }).id));
  for (let i = list.length - 1; i >= 0; i--) {
    if (!wanted.has(String(list[i]!.id))) list.splice(i, 1);
  }
  const oldById = new Map(before.map((item) => [(item as { id: string }).id, item]));
  for (const item of after) {
    const itemId = (item as { id: string }).id;
    const index = list.findIndex((existing) => String(existing.id) === itemId);
    if (index < 0) {
      append(list, itemValue(item));
      continue;
    }
    const old = (oldById.get(itemId) ?? {}) as Record<string, unknown>;
    const target = list[index]!;
    for (const [field, value] of Object.entries(item)) {
      if (!sameJson(old[field], value)) put(target, field, fieldValue(field, value));
    }
  }
}

/** Edits a document from `before` to `after`, writing only what changed. Null when nothing did. */
export function editDocument(
  doc: ContactDocument, before: ContactJson, after: ContactJson, by: Attribution,
): { doc: ContactDocument; change: Uint8Array } | null {
  if (sameJson(before, after)) return null;
  const next = A.change(doc, commitOptions(by), (d) => {
    const name = d.name as Doc;
    for (const [key, value] of Object.entries(after.name)) {
      if ((before.name as unknown as Record<string, string>)[key] !== value) name[key] = str(value);
    }
    for (const key of LIST_KEYS) writeList(d, key, before[key], after[key]);
    writeList(d, 'activity', before.activity, after.activity);
    writeList(d, 'card_images', before.card_images, after.card_images);
    if (before.type !== after.type) d.type = str(after.type);
    if (before.level !== after.level) d.level = after.level === null ? null : str(after.level);
    if (before.language !== after.language) d.language = after.language === null ? null : str(after.language);
    const tags = d.tags as Record<string, boolean>;
    for (const tag of Object.keys(before.tags)) if (!(tag in after.tags)) delete tags[tag];
    for (const [tag, present] of Object.entries(after.tags)) if (before.tags[tag] !== present) tags[tag] = present;
    if (before.notes !== after.notes) A.updateText(d, ['notes'], after.notes);
    const custom = d.custom as Doc;
    for (const key of Object.keys(before.custom)) if (!(key in after.custom)) delete custom[key];
    for (const [key, value] of Object.entries(after.custom)) {
      if (!sameJson(before.custom[key], value)) put(custom, key, customValue(value));
    }
    if (!sameJson(before.photo, after.photo)) put(d, 'photo', after.photo === null ? null : blobValue(after.photo));
    const life = d.lifecycle as Doc;
    if (before.lifecycle.archived !== after.lifecycle.archived) life.archived = after.lifecycle.archived;
    if (before.lifecycle.trashed_at_ms !== after.lifecycle.trashed_at_ms) life.trashed_at_ms = after.lifecycle.trashed_at_ms;
    if (before.lifecycle.merged_into !== after.lifecycle.merged_into) {
      life.merged_into = after.lifecycle.merged_into === null ? null : str(after.lifecycle.merged_into);
    }
  });
  const change = A.getLastLocalChange(next);
  if (!change || next === doc) return null;
  return { doc: next, change };
}

/** Plain JS value of a document value: ImmutableString → string, counters and numbers → number. */
function plain(value: unknown): unknown {
  if (value instanceof A.ImmutableString) return value.toString();
  // Automerge reads `uint` values back as bigint; every one of ours fits a number.
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = plain(inner);
    return out;
  }
  return value;
}

function str0(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
function num0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
function listOf<T>(value: unknown, read: (item: Record<string, unknown>) => T): T[] {
  return Array.isArray(value) ? value.filter((v) => v !== null && typeof v === 'object').map((v) => read(v as Record<string, unknown>)) : [];
}
function partialDate(value: unknown): PartialDateJson {
  const d = (value ?? {}) as Record<string, unknown>;
  return { year: typeof d.year === 'number' ? d.year : null, month: num0(d.month), day: num0(d.day) };
}
function blob(value: unknown): BlobRefJson {
  const b = (value ?? {}) as Record<string, unknown>;
  return { sha256: str0(b.sha256), mime: str0(b.mime), bytes: num0(b.bytes) };
}

/** The contact a document holds; a missing key reads as its default (protocol section 14.1). */
export function readContact(doc: ContactDocument): ContactJson {
  const d = plain(doc) as Record<string, unknown>;
  const base = emptyContact();
  const name = (d.name ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(base.name) as (keyof typeof base.name)[]) base.name[key] = str0(name[key]);
  base.phones = listOf(d.phones, (i) => ({ id: str0(i.id), label: str0(i.label), e164: str0(i.e164), raw: str0(i.raw) }));
  base.emails = listOf(d.emails, (i) => ({ id: str0(i.id), label: str0(i.label), address: str0(i.address) }));
  base.addresses = listOf(d.addresses, (i) => ({
    id: str0(i.id), label: str0(i.label), street: str0(i.street), city: str0(i.city), region: str0(i.region),
    postal_code: str0(i.postal_code), country: str0(i.country),
  }));
  base.organizations = listOf(d.organizations, (i) => ({ id: str0(i.id), company: str0(i.company), department: str0(i.department), title: str0(i.title) }));
  base.dates = listOf(d.dates, (i) => ({ id: str0(i.id), label: str0(i.label), date: partialDate(i.date) }));
  base.urls = listOf(d.urls, (i) => ({ id: str0(i.id), label: str0(i.label), url: str0(i.url) }));
  base.social = listOf(d.social, (i) => ({ id: str0(i.id), network: str0(i.network), handle: str0(i.handle) }));
  if (typeof d.type === 'string') base.type = d.type;
  base.level = typeof d.level === 'string' ? d.level : null;
  base.language = typeof d.language === 'string' ? d.language : null;
  const tags = (d.tags ?? {}) as Record<string, unknown>;
  for (const [tag, present] of Object.entries(tags)) if (typeof present === 'boolean') base.tags[tag] = present;
  base.notes = str0(d.notes);
  const custom = (d.custom ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(custom)) if (value !== null && typeof value === 'object') base.custom[key] = value as Record<string, unknown>;
  base.activity = listOf(d.activity, (i) => ({ id: str0(i.id), kind: str0(i.kind), at_ms: num0(i.at_ms), by: str0(i.by), text: str0(i.text) }));
  base.photo = d.photo !== null && typeof d.photo === 'object' ? blob(d.photo) : null;
  base.card_images = listOf(d.card_images, (i) => ({ id: str0(i.id), side: str0(i.side), blob: blob(i.blob) }));
  const life = (d.lifecycle ?? {}) as Record<string, unknown>;
  base.lifecycle = {
    archived: life.archived === true,
    trashed_at_ms: typeof life.trashed_at_ms === 'number' ? life.trashed_at_ms : null,
    merged_into: typeof life.merged_into === 'string' ? life.merged_into : null,
  };
  return base;
}

/** Whether the document has any content yet (an empty copy waiting for a repair). */
export function isEmptyDocument(doc: ContactDocument): boolean {
  return A.getHeads(doc).length === 0;
}

export function hasMissingDeps(doc: ContactDocument): boolean {
  return A.getMissingDeps(doc, A.getHeads(doc)).length > 0;
}

export { A };
