// What a broken field rule reports: the same `field` path and `code` as sync-core's
// `FieldError::field()` / `code()` (sync-core/src/validate/error.rs), with a message for the
// person who typed the value. Messages leave out the path: the app shows them beside the field.

/** One field that breaks one rule. */
export interface FieldProblem {
  /** Path of the field, exactly as the server reports it: `phones[1].e164`, `name`. */
  field: string;
  /** Stable machine-readable code, exactly as the server reports it: `phone_invalid`. */
  code: string;
  /** Plain-English explanation for the person who typed the value. */
  message: string;
}

/** A value read into its stored form, or the problem that stopped it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

/** A successful check. */
export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** A failed check. */
export function fail<T>(problem: FieldProblem): Checked<T> {
  return { ok: false, problem };
}

/**
 * A user-supplied value in quotes, cut to its first 80 characters, so a megabyte pasted into a
 * field does not come back as a megabyte of message.
 */
export function quoted(value: string): string {
  const chars = [...value];
  return chars.length > 80 ? `"${chars.slice(0, 80).join("")}…"` : `"${value}"`;
}

/** The problem-making functions, one per code the server may report. */
export const problems = {
  phoneInvalid: (field: string, value: string, reason: string): FieldProblem => ({
    field,
    code: "phone_invalid",
    message: `${quoted(value)} ${reason}.`,
  }),
  phoneRegionNeeded: (field: string, value: string): FieldProblem => ({
    field,
    code: "phone_region_needed",
    message: `${quoted(value)} has no country code: write it with + and the country code, or choose the country it is in.`,
  }),
  emailInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "email_invalid",
    message: `${quoted(value)} is not an email address (name@domain.tld with no spaces, at most 64 characters before the @ and 254 in all).`,
  }),
  dateInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "date_invalid",
    message: `${quoted(value)} is not a valid date (YYYY-MM-DD, or --MM-DD without the year, on a day that exists).`,
  }),
  countryInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "country_invalid",
    message: `${quoted(value)} is not a country (a two-letter code such as JP, or its English name).`,
  }),
  tooManyItems: (field: string, count: number, max: number): FieldProblem => ({
    field,
    code: "too_many_items",
    message: `${count} items; at most ${max} are allowed.`,
  }),
  nameRequired: (): FieldProblem => ({
    field: "name",
    code: "name_required",
    message: "A contact needs a given name, family name, nickname or company.",
  }),
  urlInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "url_invalid",
    message: `${quoted(value)} is not a web address (http:// or https:// and a host such as www.example.com).`,
  }),
  duplicateItemId: (field: string, id: string): FieldProblem => ({
    field,
    code: "duplicate_item_id",
    message: `Item id ${quoted(id)} is already used by another item of the list.`,
  }),
  itemIdMissing: (field: string): FieldProblem => ({
    field,
    code: "item_id_missing",
    message: "The item has no id.",
  }),
  forbiddenCharacter: (field: string, codePoint: number): FieldProblem => ({
    field,
    code: "forbidden_character",
    message: `Contains U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}, a control or text-direction character, which is not allowed here.`,
  }),
  tooLong: (field: string, length: number, max: number): FieldProblem => ({
    field,
    code: "too_long",
    message: `${length} characters; at most ${max} are allowed.`,
  }),
  languageInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "language_invalid",
    message: `${quoted(value)} is not a language tag (BCP 47 such as en, ja or zh-Hant).`,
  }),
  tagInvalid: (field: string, value: string): FieldProblem => ({
    field,
    code: "tag_invalid",
    message: `${quoted(value)} is not a tag (tags are 1 to 100 characters, not all spaces, with no control characters).`,
  }),
  customKeyInvalid: (field: string, key: string): FieldProblem => ({
    field,
    code: "custom_key_invalid",
    message: `${quoted(key)} is not a custom field name (names are 1 to 100 characters, not all spaces, with no control characters).`,
  }),
  numberInvalid: (field: string, value: number): FieldProblem => ({
    field,
    code: "number_invalid",
    message: `${String(value)} is not a finite number.`,
  }),
};
