// The whole-contact check: sync-core's `validate` (sync-core/src/validate.rs), field for field
// and in the same order, so the app marks exactly the fields the server would refuse.

import type { ContactJson, CustomValueJson, PartialDate } from "./contact";
import { countryProblem } from "./country";
import { dateProblem } from "./date";
import { emailProblem } from "./email";
import {
  MAX_ACTIVITY_ITEMS,
  MAX_CUSTOM_KEY_CHARS,
  MAX_CUSTOM_TEXT_CHARS,
  MAX_LANGUAGE_CHARS,
  MAX_LIST_ITEMS,
  MAX_NOTES_CHARS,
  MAX_TAG_CHARS,
  MAX_TEXT_CHARS,
} from "./limits";
import { phoneProblem } from "./phone";
import { type FieldProblem, problems, quoted } from "./problem";
import {
  allowedInLongText,
  allowedInShortText,
  charCount,
  compareCodePoints,
  firstForbidden,
  rustDebugQuote,
  trim,
  utf8Length,
} from "./text";
import { urlProblem } from "./url";

/**
 * Every field rule `contact` breaks, in field order, with the field paths and codes the server
 * reports (`phones[1].e164`, `phone_invalid`); an empty list when the server would accept it.
 *
 * `contact` holds stored values (E.164 phones, alpha-2 countries, …), as the document does:
 * read what the user typed through `checkPhone`, `checkEmail`, `checkDate`, `checkCountry` and
 * `checkUrl` first. The verdict depends on the contact alone, as the server's does; `region`
 * (the company's ISO 3166-1 alpha-2 code) only words the message of a phone whose stored
 * number is missing while its typed text is there.
 */
export function checkContact(contact: ContactJson, region: string): FieldProblem[] {
  const report = new Report();
  const name = contact.name;
  const candidates = [name.given, name.family, name.nickname];
  const named = [...candidates, ...contact.organizations.map((org) => org.company)].some(
    (text) => trim(text) !== "",
  );
  if (!named) report.add(problems.nameRequired());
  const parts: [string, string][] = [
    ["prefix", name.prefix],
    ["given", name.given],
    ["middle", name.middle],
    ["family", name.family],
    ["suffix", name.suffix],
    ["phonetic_given", name.phonetic_given],
    ["phonetic_family", name.phonetic_family],
    ["nickname", name.nickname],
  ];
  for (const [part, value] of parts) report.text(`name.${part}`, value, MAX_TEXT_CHARS);

  for (const [at, phone] of report.list("phones", contact.phones, MAX_LIST_ITEMS)) {
    report.text(`${at}.label`, phone.label, MAX_TEXT_CHARS);
    const problem = phoneProblem(`${at}.e164`, phone.e164);
    if (problem && phone.e164 === "" && trim(phone.raw) !== "") {
      // The form saved what was typed without reading it: word it for the person who typed.
      problem.message = `${quoted(phone.raw)} was not read as a phone number; enter it again (numbers without a country code are read as ${region} numbers).`;
    }
    report.add(problem);
    report.text(`${at}.raw`, phone.raw, MAX_TEXT_CHARS);
  }
  for (const [at, email] of report.list("emails", contact.emails, MAX_LIST_ITEMS)) {
    report.text(`${at}.label`, email.label, MAX_TEXT_CHARS);
    report.add(emailProblem(`${at}.address`, email.address));
  }
  for (const [at, address] of report.list("addresses", contact.addresses, MAX_LIST_ITEMS)) {
    const lines: [string, string][] = [
      ["label", address.label],
      ["street", address.street],
      ["city", address.city],
      ["region", address.region],
      ["postal_code", address.postal_code],
    ];
    for (const [part, value] of lines) report.text(`${at}.${part}`, value, MAX_TEXT_CHARS);
    report.add(countryProblem(`${at}.country`, address.country));
  }
  for (const [at, org] of report.list("organizations", contact.organizations, MAX_LIST_ITEMS)) {
    report.text(`${at}.company`, org.company, MAX_TEXT_CHARS);
    report.text(`${at}.department`, org.department, MAX_TEXT_CHARS);
    report.text(`${at}.title`, org.title, MAX_TEXT_CHARS);
  }
  for (const [at, entry] of report.list("dates", contact.dates, MAX_LIST_ITEMS)) {
    report.text(`${at}.label`, entry.label, MAX_TEXT_CHARS);
    report.add(dateProblem(`${at}.date`, entry.date));
  }
  for (const [at, url] of report.list("urls", contact.urls, MAX_LIST_ITEMS)) {
    report.text(`${at}.label`, url.label, MAX_TEXT_CHARS);
    report.add(urlProblem(`${at}.url`, url.url));
  }
  for (const [at, handle] of report.list("social", contact.social, MAX_LIST_ITEMS)) {
    report.text(`${at}.handle`, handle.handle, MAX_TEXT_CHARS);
  }

  if (contact.language !== null && contact.language !== undefined) {
    report.add(languageProblem("language", contact.language));
  }
  // Rust keeps tags and custom fields in a BTreeMap: sorted by code point.
  for (const tag of Object.keys(contact.tags).sort(compareCodePoints)) {
    report.add(tagProblem(`tags[${rustDebugQuote(tag)}]`, tag));
  }
  report.text("notes", contact.notes, MAX_NOTES_CHARS);
  for (const key of Object.keys(contact.custom).sort(compareCodePoints)) {
    const value = contact.custom[key];
    if (value !== undefined) report.add(customProblem(`custom[${rustDebugQuote(key)}]`, key, value));
  }

  for (const [at, entry] of report.list("activity", contact.activity, MAX_ACTIVITY_ITEMS)) {
    report.text(`${at}.by`, entry.by, MAX_TEXT_CHARS);
    report.text(`${at}.text`, entry.text, MAX_NOTES_CHARS);
  }
  // Card images carry no typed text: only the list's length and ids are checked.
  report.list("card_images", contact.card_images, MAX_LIST_ITEMS);
  return report.problems;
}

/** The problems found so far in one contact, in the order found (field order). */
class Report {
  readonly problems: FieldProblem[] = [];

  add(problem: FieldProblem | undefined): void {
    if (problem !== undefined) this.problems.push(problem);
  }

  /** At most `max` characters, and only the characters that field may hold. */
  text(field: string, value: string, max: number): void {
    this.add(tooLong(field, value, max));
    // Long text (notes, minutes) has lines and tabs, and is not shown in lists.
    const allowed = max > MAX_TEXT_CHARS ? allowedInLongText : allowedInShortText;
    this.add(forbiddenCharacter(field, value, allowed));
  }

  /**
   * Checks a list's length and that its items' ids are present and distinct, then returns its
   * first `max` items with their paths (`phones[2]`) for their own checks.
   */
  list<T extends { id: string }>(list: string, items: readonly T[], max: number): [string, T][] {
    if (items.length > max) this.add(problems.tooManyItems(list, items.length, max));
    const kept = items.slice(0, max);
    const seen = new Set<string>();
    kept.forEach((item, index) => {
      const id = item.id;
      if (id === "") {
        this.add(problems.itemIdMissing(`${list}[${index}].id`));
      } else if (seen.has(id)) {
        this.add(problems.duplicateItemId(`${list}[${index}].id`, id));
      } else {
        seen.add(id);
      }
    });
    return kept.map((item, index) => [`${list}[${index}]`, item]);
  }
}

function tooLong(field: string, text: string, max: number): FieldProblem | undefined {
  if (utf8Length(text) <= max) return undefined;
  const length = charCount(text);
  return length > max ? problems.tooLong(field, length, max) : undefined;
}

function forbiddenCharacter(
  field: string,
  text: string,
  allowed: (c: string) => boolean,
): FieldProblem | undefined {
  const codePoint = firstForbidden(text, allowed);
  return codePoint === undefined ? undefined : problems.forbiddenCharacter(field, codePoint);
}

/**
 * A plausible BCP 47 tag: a primary subtag of 2-3 letters, then subtags of 1-8 letters or
 * digits, joined by `-`; not checked against the IANA registry.
 */
function languageProblem(field: string, tag: string): FieldProblem | undefined {
  const [primary = "", ...rest] = tag.split("-");
  const valid =
    /^[A-Za-z]{2,3}$/.test(primary) &&
    rest.every((subtag) => /^[A-Za-z0-9]{1,8}$/.test(subtag)) &&
    utf8Length(tag) <= MAX_LANGUAGE_CHARS;
  return valid ? undefined : problems.languageInvalid(field, tag);
}

/** A tag must show as something: not blank, at most 100 characters, one line. */
function tagProblem(field: string, tag: string): FieldProblem | undefined {
  const invalid =
    trim(tag) === "" ||
    tooLong(field, tag, MAX_TAG_CHARS) !== undefined ||
    firstForbidden(tag, allowedInShortText) !== undefined;
  return invalid ? problems.tagInvalid(field, tag) : undefined;
}

/** A custom field needs a name to be shown under, and a value every export can carry. */
function customProblem(field: string, key: string, value: CustomValueJson): FieldProblem | undefined {
  if (
    trim(key) === "" ||
    tooLong(field, key, MAX_CUSTOM_KEY_CHARS) !== undefined ||
    firstForbidden(key, allowedInShortText) !== undefined
  ) {
    return problems.customKeyInvalid(field, key);
  }
  // Known types first, in sync-core's order, so a map two concurrent retypings left with two
  // keys reads the same here as there.
  if ("text" in value && typeof value.text === "string") {
    return (
      tooLong(field, value.text, MAX_CUSTOM_TEXT_CHARS) ??
      forbiddenCharacter(field, value.text, allowedInLongText)
    );
  }
  if ("number" in value && typeof value.number === "number") {
    return Number.isFinite(value.number) ? undefined : problems.numberInvalid(field, value.number);
  }
  if ("bool" in value) return undefined;
  if ("date" in value && isPartialDate(value.date)) return dateProblem(field, value.date);
  // A type a newer layout added: not judged here, kept as written.
  return undefined;
}

function isPartialDate(value: unknown): value is PartialDate {
  return typeof value === "object" && value !== null && "month" in value && "day" in value;
}
