// The name-display table sync-core runs (fixtures/field-rules/display-names.json), run against
// this port: a list shows each contact by the same name on the web as on every other device.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { displayName, emptyContact, type ContactJson } from '../src/sync/contact.ts';

interface Case {
  name: string; expect: string; prefix?: string; given?: string; middle?: string; family?: string; suffix?: string;
  nickname?: string; language?: string; company?: string;
}
const table = JSON.parse(readFileSync(new URL('../../fixtures/field-rules/display-names.json', import.meta.url), 'utf8')) as { cases: Case[] };

function contactOf(c: Case): ContactJson {
  const contact = emptyContact();
  Object.assign(contact.name, {
    prefix: c.prefix ?? '', given: c.given ?? '', middle: c.middle ?? '', family: c.family ?? '', suffix: c.suffix ?? '', nickname: c.nickname ?? '',
  });
  contact.language = c.language ?? null;
  if (c.company !== undefined) contact.organizations = [{ id: 'o1', company: c.company, department: '', title: '' }];
  return contact;
}

describe('names are shown as sync-core shows them', () => {
  it.each(table.cases)('$name', (c) => {
    expect(displayName(contactOf(c))).toBe(c.expect);
  });
});
