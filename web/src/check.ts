// The field rules the device checks before saving (the same rules as sync-core; the server
// still decides). They live in src/rules/ (`checkContact`), written against the shared case
// table. This module finds them at build time; until that module exists it falls back to the
// few checks below, so the screens already show problems in the same shape.

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { displayName, MAX_LIST_ITEMS, type ContactJson, type ListKey } from './sync/contact.ts';

export interface FieldProblem {
  /** Which field: `name`, `phones[0].e164`, `emails[1].address`, … */
  field: string;
  code: string;
  message: string;
}

interface RulesModule {
  checkContact(contact: ContactJson, region: string): FieldProblem[];
}

// An eager glob resolves to {} when the file is absent, so the build works before and after
// the rules module lands, with no edit here.
const found = Object.values(import.meta.glob<RulesModule>('./rules/index.ts', { eager: true }))[0];

function fallbackCheck(contact: ContactJson, region: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (displayName(contact) === '') problems.push({ field: 'name', code: 'required', message: 'Give a name, a nickname or a company' });
  contact.phones.forEach((phone, i) => {
    const parsed = parsePhoneNumberFromString(phone.raw || phone.e164, (region || undefined) as CountryCode | undefined);
    if (!parsed?.isValid()) problems.push({ field: `phones[${i}].e164`, code: 'phone_invalid', message: `"${phone.raw}" is not a phone number` });
  });
  contact.emails.forEach((email, i) => {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.address)) problems.push({ field: `emails[${i}].address`, code: 'email_invalid', message: `"${email.address}" is not an email address` });
  });
  for (const key of ['phones', 'emails', 'addresses', 'organizations', 'dates', 'urls', 'social'] as ListKey[]) {
    if (contact[key].length > MAX_LIST_ITEMS) problems.push({ field: key, code: 'too_many', message: `At most ${MAX_LIST_ITEMS} items` });
  }
  return problems;
}

export function checkContact(contact: ContactJson, region: string): FieldProblem[] {
  return found ? found.checkContact(contact, region) : fallbackCheck(contact, region);
}

/** The E.164 form of what was typed, with the company's region; empty when it does not read. */
export function toE164(raw: string, region: string): string {
  const parsed = parsePhoneNumberFromString(raw, (region || undefined) as CountryCode | undefined);
  return parsed?.isValid() ? parsed.number : '';
}
