// The contact as plain data (`ContactJson`), with exactly the keys and shapes of the Automerge
// document sync-core writes (sync-core/src/contact.rs, layout 1). The field rules
// (src/rules/) check this shape; src/sync/document.ts maps it onto Automerge.

// The shapes are those the field rules define (src/rules/contact.ts), under the names the app
// uses.
export type {
  ActivityJson,
  AddressJson,
  BlobRefJson,
  CardImageJson,
  ContactJson,
  CustomValueJson,
  EmailJson,
  LifecycleJson,
  NameJson,
  OrganizationJson,
  PhoneJson,
  UrlJson,
  PartialDate as PartialDateJson,
  DateEntryJson as DateJson,
  SocialHandleJson as SocialJson,
} from '../rules/contact.ts';
export { MAX_LIST_ITEMS } from '../rules/limits.ts';
export { formatDate as formatPartialDate } from '../rules/date.ts';
import type { ContactJson, NameJson } from '../rules/contact.ts';

export const CONTACT_TYPES = ['lead', 'prospect', 'customer', 'partner', 'other'] as const;
export const LEVELS = ['primary', 'secondary', 'tertiary'] as const;
export const SOCIAL_NETWORKS = ['facebook', 'whatsapp', 'wechat', 'x', 'linkedin', 'telegram', 'line', 'instagram', 'kakaotalk', 'other'] as const;
export const ACTIVITY_KINDS = ['call', 'visit', 'meeting', 'note'] as const;

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
