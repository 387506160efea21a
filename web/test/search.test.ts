// The search cases sync-core runs (sync-core/tests/search_cases.json), run against this port.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { emptyContact, type ContactJson } from '../src/sync/contact.ts';
import { indexTerms, matches, normalize, queryWords, sortKey } from '../src/sync/search.ts';

interface CaseContact {
  given?: string; family?: string; middle?: string; nickname?: string; phonetic_given?: string; phonetic_family?: string;
  phones?: { e164: string; raw: string }[]; emails?: string[]; organizations?: { company?: string; department?: string; title?: string }[]; tags?: string[];
}
const cases = JSON.parse(readFileSync(new URL('../../sync-core/tests/search_cases.json', import.meta.url), 'utf8')) as {
  normalize: { text: string; normalized: string }[];
  contacts: Record<string, CaseContact>;
  cases: { contact: string; region: string; query: string; matches: boolean; why: string }[];
  sort_keys: Record<string, string>;
  sorted: string[];
};

function contactOf(c: CaseContact): ContactJson {
  const contact = emptyContact();
  Object.assign(contact.name, { given: c.given ?? '', family: c.family ?? '', middle: c.middle ?? '', nickname: c.nickname ?? '', phonetic_given: c.phonetic_given ?? '', phonetic_family: c.phonetic_family ?? '' });
  contact.phones = (c.phones ?? []).map((p, i) => ({ id: `p${i}`, label: 'work', ...p }));
  contact.emails = (c.emails ?? []).map((address, i) => ({ id: `e${i}`, label: 'work', address }));
  contact.organizations = (c.organizations ?? []).map((o, i) => ({ id: `o${i}`, company: o.company ?? '', department: o.department ?? '', title: o.title ?? '' }));
  for (const tag of c.tags ?? []) contact.tags[tag] = true;
  return contact;
}

describe('search follows the rules sync-core pins', () => {
  it.each(cases.normalize)('normalizes $text', ({ text, normalized }) => {
    expect(normalize(text)).toBe(normalized);
  });

  it.each(Object.entries(cases.sort_keys))('lists %s by "%s"', (name, key) => {
    expect(sortKey(contactOf(cases.contacts[name]!))).toBe(key);
  });

  it('sorts the contacts in the same order', () => {
    const keyed = Object.keys(cases.sort_keys).map((name) => ({ name, key: sortKey(contactOf(cases.contacts[name]!)) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(keyed.map((k) => k.name)).toEqual(cases.sorted);
  });

  it.each(cases.cases)('$contact / "$query" ($region): $why', ({ contact, region, query, matches: expected }) => {
    const terms = indexTerms(contactOf(cases.contacts[contact]!), region);
    expect(matches(terms, queryWords(query, region))).toBe(expected);
  });
});
