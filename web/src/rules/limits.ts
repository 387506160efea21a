// The limits of sync-core's field rules (sync-core/src/validate.rs, validate/email.rs,
// validate/url.rs, contact.rs). Lengths are in characters (Unicode scalar values) unless the
// name says bytes. The shared case table (fixtures/field-rules) checks both sides hold them.

/** Most items any one multi-valued list may hold (phones, emails, …, card images). */
export const MAX_LIST_ITEMS = 100;

/** Most entries the activity log may hold. */
export const MAX_ACTIVITY_ITEMS = 10_000;

/** Longest short text: name parts, labels, address lines, company, title, handles, raw phone. */
export const MAX_TEXT_CHARS = 1_000;

/** Longest long text: the notes and one activity entry's text. */
export const MAX_NOTES_CHARS = 100_000;

/** Longest text value of a custom field. */
export const MAX_CUSTOM_TEXT_CHARS = 10_000;

/** Longest tag. */
export const MAX_TAG_CHARS = 100;

/** Longest custom field name. */
export const MAX_CUSTOM_KEY_CHARS = 100;

/** Longest language tag (BCP 47 asks for at least 35). */
export const MAX_LANGUAGE_CHARS = 35;

/** Longest email address, in UTF-8 bytes (RFC 5321). */
export const MAX_EMAIL_BYTES = 254;

/** Longest local part (before the @), in UTF-8 bytes (RFC 5321). */
export const MAX_EMAIL_LOCAL_BYTES = 64;

/** Longest web address. */
export const MAX_URL_CHARS = 2_048;
