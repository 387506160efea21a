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

/** Languages (BCP 47 primary subtags) whose names are written family name first. */
const FAMILY_FIRST_LANGUAGES = ['ja', 'zh', 'ko', 'vi', 'hu'];
/** Han, kana and Hangul: the scripts whose names are family first. */
const CJK = /[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF々\u3041-\u309F\u30A0-\u30FF\u31F0-\u31FF\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F]/u;
/** Letters only Vietnamese uses: ơ, ư and the tone-marked vowels. */
const VIETNAMESE = /[ơƠưƯ\u1EA0-\u1EF9]/u;

function inCapitals(word: string): boolean {
  return [...word].filter((c) => /\p{L}/u.test(c)).length >= 2 && !/\p{Ll}/u.test(word);
}

/**
 * Whether a name is shown family name first (sync-core contact::display::family_first): CJK
 * script, Vietnamese letters, a surname printed in capitals beside a given name that is not,
 * or a family-first language.
 */
export function familyFirst(name: NameJson, language: string | null): boolean {
  const given = name.given.trim();
  const family = name.family.trim();
  if (family === '') return false;
  const parts = [given, family, name.middle.trim()];
  if (parts.some((p) => CJK.test(p))) return true;
  if (parts.some((p) => VIETNAMESE.test(p))) return true;
  if (inCapitals(family) && /\p{Ll}/u.test(given)) return true;
  const primary = (language ?? '').split(/[-_]/)[0]!.toLowerCase();
  return FAMILY_FIRST_LANGUAGES.includes(primary);
}

/** The full name in the order its script and spelling call for (sync-core display::full_name). */
export function fullName(name: NameJson, language: string | null): string {
  const given = name.given.trim();
  const middle = name.middle.trim();
  const family = name.family.trim();
  const core = (familyFirst(name, language) ? [family, given, middle] : [given, middle, family]).filter((p) => p !== '');
  const allCjk = core.length > 0 && core.every((p) => [...p].every((c) => CJK.test(c) || /\s/u.test(c)));
  return [name.prefix.trim(), core.join(allCjk ? '' : ' '), name.suffix.trim()].filter((p) => p !== '').join(' ');
}

/**
 * The language a contact saved from a card read in `region` takes when it has none (sync-core
 * card::card_language): a Vietnamese card's Latin name is read family name first, and where the
 * photo lost Vietnam's own letters only the language keeps that order on display.
 */
export function cardLanguage(region: string | null): string | null {
  return region?.toUpperCase() === 'VN' ? 'vi' : null;
}

/** The name shown in lists: full name, else nickname, else first company (Contact::display_name). */
export function displayName(contact: ContactJson): string {
  const full = fullName(contact.name, contact.language);
  if (full !== '') return full;
  const n = contact.name;
  if (n.nickname.trim() !== '') return n.nickname.trim();
  return contact.organizations.map((o) => o.company.trim()).find((c) => c !== '') ?? '';
}

export function tagList(contact: ContactJson): string[] {
  return Object.keys(contact.tags).filter((t) => contact.tags[t] === true).sort();
}
