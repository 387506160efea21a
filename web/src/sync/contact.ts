// The contact as plain data (`ContactJson`), with exactly the keys and shapes of the Automerge
// document sync-core writes (sync-core/src/contact.rs, layout 1). The field rules
// (src/rules/) check this shape; src/sync/document.ts maps it onto Automerge.

export interface NameJson {
  prefix: string;
  given: string;
  middle: string;
  family: string;
  suffix: string;
  phonetic_given: string;
  phonetic_family: string;
  nickname: string;
}
export interface PhoneJson { id: string; label: string; e164: string; raw: string }
export interface EmailJson { id: string; label: string; address: string }
export interface AddressJson {
  id: string; label: string; street: string; city: string; region: string; postal_code: string; country: string;
}
export interface OrganizationJson { id: string; company: string; department: string; title: string }
export interface PartialDateJson { year: number | null; month: number; day: number }
export interface DateJson { id: string; label: string; date: PartialDateJson }
export interface UrlJson { id: string; label: string; url: string }
export interface SocialJson { id: string; network: string; handle: string }
export interface ActivityJson { id: string; kind: string; at_ms: number; by: string; text: string }
export interface BlobRefJson { sha256: string; mime: string; bytes: number }
export interface CardImageJson { id: string; side: string; blob: BlobRefJson }
/** A custom value: a map with exactly one key naming its type (`{"text": "…"}`). */
export type CustomValueJson = Record<string, unknown>;
export interface LifecycleJson { archived: boolean; trashed_at_ms: number | null; merged_into: string | null }

export interface ContactJson {
  name: NameJson;
  phones: PhoneJson[];
  emails: EmailJson[];
  addresses: AddressJson[];
  organizations: OrganizationJson[];
  dates: DateJson[];
  urls: UrlJson[];
  social: SocialJson[];
  /** lead, prospect, customer, partner, other (or a value a newer layout added). */
  type: string;
  level: string | null;
  language: string | null;
  /** A map used as a set: a tag is present when its value is true. */
  tags: Record<string, boolean>;
  notes: string;
  custom: Record<string, CustomValueJson>;
  activity: ActivityJson[];
  photo: BlobRefJson | null;
  card_images: CardImageJson[];
  lifecycle: LifecycleJson;
}

export const CONTACT_TYPES = ['lead', 'prospect', 'customer', 'partner', 'other'] as const;
export const LEVELS = ['primary', 'secondary', 'tertiary'] as const;
export const SOCIAL_NETWORKS = ['facebook', 'whatsapp', 'wechat', 'x', 'linkedin', 'telegram', 'line', 'instagram', 'kakaotalk', 'other'] as const;
export const ACTIVITY_KINDS = ['call', 'visit', 'meeting', 'note'] as const;
/** The most items one multi-valued list may hold (sync-core MAX_LIST_ITEMS). */
export const MAX_LIST_ITEMS = 100;

export type ListKey = 'phones' | 'emails' | 'addresses' | 'organizations' | 'dates' | 'urls' | 'social';

export function emptyName(): NameJson {
  return { prefix: '', given: '', middle: '', family: '', suffix: '', phonetic_given: '', phonetic_family: '', nickname: '' };
}

export function emptyContact(): ContactJson {
  return {
    name: emptyName(), phones: [], emails: [], addresses: [], organizations: [], dates: [], urls: [], social: [],
    type: 'lead', level: null, language: null, tags: {}, notes: '', custom: {}, activity: [], photo: null,
    card_images: [], lifecycle: { archived: false, trashed_at_ms: null, merged_into: null },
  };
}

/** The name shown in lists: full name, else nickname, else first company (Contact::display_name). */
export function displayName(contact: ContactJson): string {
  const n = contact.name;
  const full = [n.prefix, n.given, n.middle, n.family, n.suffix].map((p) => p.trim()).filter((p) => p !== '');
  if (full.length > 0) return full.join(' ');
  if (n.nickname.trim() !== '') return n.nickname.trim();
  return contact.organizations.map((o) => o.company.trim()).find((c) => c !== '') ?? '';
}

export function tagList(contact: ContactJson): string[] {
  return Object.keys(contact.tags).filter((t) => contact.tags[t] === true).sort();
}

/** ISO text of a partial date: `1990-04-07`, or `--04-07` without a year. */
export function formatPartialDate(date: PartialDateJson): string {
  const mm = String(date.month).padStart(2, '0');
  const dd = String(date.day).padStart(2, '0');
  return date.year === null ? `--${mm}-${dd}` : `${String(date.year).padStart(4, '0')}-${mm}-${dd}`;
}
