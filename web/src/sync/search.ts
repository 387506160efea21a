// Offline search, following sync-core/src/search (a port of its main rules, not every corner):
// a contact is indexed under plain terms, a query is read into words, and a contact matches
// when every word is a prefix of one of its terms. Text is folded the same way on both sides:
// NFKC, lowercase, accents dropped, a few letters spelled out (ß → ss), katakana → hiragana.
// CJK runs are indexed by every suffix and phone numbers by every digit suffix of four or more,
// so a prefix search finds substrings there.

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { displayName, type ContactJson } from './contact.ts';

const MIN_PHONE_SUFFIX_DIGITS = 4;
const MAX_TERM_CHARS = 40;
const ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670]/g;
const SPELLED: Record<string, string> = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'þ': 'th', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'ł': 'l', 'ħ': 'h', 'ŧ': 't', 'ı': 'i', 'ς': 'σ' };
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/;

export function normalize(text: string): string {
  let out = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(ACCENTS, '');
  out = out.replace(/[ßæœþøđðłħŧıς]/g, (c) => SPELLED[c] ?? c).normalize('NFC');
  return out.replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** Splits a normalized chunk at punctuation and script changes. */
function parts(chunk: string): string[] {
  const out: string[] = [];
  let current = '';
  let currentCjk = false;
  for (const ch of chunk) {
    if (!/[\p{L}\p{N}\p{M}ー]/u.test(ch)) {
      if (current) out.push(current);
      current = '';
      continue;
    }
    const cjk = CJK.test(ch);
    if (current && cjk !== currentCjk) {
      out.push(current);
      current = '';
    }
    current += ch;
    currentCjk = cjk;
  }
  if (current) out.push(current);
  return out;
}

function addText(terms: Set<string>, text: string): void {
  for (const chunk of normalize(text).split(/\s+/).filter(Boolean)) {
    const chunkParts = parts(chunk);
    for (const part of chunkParts) {
      if (CJK.test(part)) for (let i = 0; i < part.length; i++) terms.add(part.slice(i, i + MAX_TERM_CHARS));
      else terms.add(part.slice(0, MAX_TERM_CHARS));
    }
    if (chunkParts.length > 1 && !chunkParts.some((p) => CJK.test(p))) terms.add(chunkParts.join('').slice(0, MAX_TERM_CHARS));
  }
}

function addDigits(terms: Set<string>, digits: string): void {
  for (let i = 0; i + MIN_PHONE_SUFFIX_DIGITS <= digits.length; i++) terms.add(digits.slice(i));
}

function phoneDigits(e164: string, raw: string, region: string): string[] {
  const parsed = parsePhoneNumberFromString(e164 || raw, (region || undefined) as CountryCode | undefined);
  if (!parsed) return [raw.replace(/\D/g, '')];
  const national = parsed.format('NATIONAL').replace(/\D/g, '');
  return [parsed.number.replace(/\D/g, ''), national];
}

/** The terms a contact is found by. */
export function indexTerms(contact: ContactJson, region: string): string[] {
  const terms = new Set<string>();
  const n = contact.name;
  for (const part of [n.given, n.family, n.middle, n.nickname, n.phonetic_given, n.phonetic_family, n.prefix, n.suffix]) addText(terms, part);
  const eastern = normalize(n.family + n.middle + n.given).replace(/\s+/g, '');
  if (CJK.test(eastern)) addText(terms, eastern);
  const reading = normalize(n.phonetic_family + n.phonetic_given).replace(/\s+/g, '');
  if (CJK.test(reading)) addText(terms, reading);
  for (const email of contact.emails) {
    const address = normalize(email.address.trim());
    if (!address) continue;
    terms.add(address.slice(0, MAX_TERM_CHARS));
    const [local = '', domain = ''] = address.split('@');
    terms.add(local);
    terms.add(domain);
    addText(terms, local);
    addText(terms, domain);
    // The address from each word of the local part on: `tanaka@…` finds `taro.tanaka@…`.
    const localParts = local.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    for (let i = 1; i < localParts.length; i++) {
      const at = local.indexOf(localParts[i]!, 1);
      if (at > 0) terms.add(`${local.slice(at)}@${domain}`.slice(0, MAX_TERM_CHARS));
    }
  }
  for (const phone of contact.phones) for (const digits of phoneDigits(phone.e164, phone.raw, region)) addDigits(terms, digits);
  for (const org of contact.organizations) {
    addText(terms, org.company);
    addText(terms, org.department);
  }
  for (const [tag, present] of Object.entries(contact.tags)) if (present) addText(terms, tag);
  terms.delete('');
  return [...terms];
}

const PHONE_SHAPED = /^[\d\s+().-]+$/;

/** The words of a query; each must start one of a contact's terms. */
export function queryWords(text: string, region: string): string[] {
  const trimmed = text.trim().slice(0, 256);
  if (!trimmed) return [];
  const digitWord = (chunk: string): string => {
    const parsed = parsePhoneNumberFromString(chunk, (region || undefined) as CountryCode | undefined);
    return parsed?.isValid() ? parsed.number.replace(/\D/g, '') : chunk.replace(/\D/g, '');
  };
  if (PHONE_SHAPED.test(trimmed) && trimmed.replace(/\D/g, '').length >= 3) return [digitWord(trimmed)];
  const words: string[] = [];
  for (const chunk of normalize(trimmed).split(/\s+/).filter(Boolean)) {
    if (PHONE_SHAPED.test(chunk) && chunk.replace(/\D/g, '').length >= 3) words.push(digitWord(chunk));
    else if (chunk.includes('@')) words.push(chunk.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));
    else words.push(...parts(chunk));
  }
  const distinct = [...new Set(words.map((w) => w.slice(0, MAX_TERM_CHARS)))].filter(Boolean);
  return distinct.filter((w) => !distinct.some((other) => other !== w && other.startsWith(w))).slice(0, 16);
}

/** Whether every word starts one of the terms. */
export function matches(terms: readonly string[], words: readonly string[]): boolean {
  return words.every((word) => terms.some((term) => term.startsWith(word)));
}

/** The word runs of normalized text, one space between each. */
function spacedWords(text: string): string {
  return text.split(/[^\p{L}\p{N}\p{M}ー]+/u).filter(Boolean).join(' ');
}

/** Name parts joined, with no space where two CJK parts meet (`田中` + `太郎` → `田中太郎`). */
function easternOrder(parts: string[]): string {
  let out = '';
  for (const part of parts.filter((p) => p !== '')) {
    const glued = out !== '' && CJK.test(out.slice(-1)) && CJK.test(part.charAt(0));
    out += out === '' || glued ? part : ` ${part}`;
  }
  return out;
}

/**
 * What the list sorts a contact by (sync-core search::sort_key): the display name folded like
 * search text, punctuation made one space, so accents and case do not change the order; a CJK
 * name by its reading (family first) when it has one, else by family then given name.
 * Compared by code point, which is also fast for 10,000.
 */
export function sortKey(contact: ContactJson): string {
  const display = normalize(displayName(contact));
  if (CJK.test(display)) {
    const n = contact.name;
    for (const parts of [[n.phonetic_family, n.phonetic_given], [n.family, n.middle, n.given]]) {
      const key = spacedWords(easternOrder(parts.map(normalize)));
      if (key !== '') return key;
    }
  }
  return spacedWords(display);
}
