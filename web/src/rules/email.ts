// Email addresses: sync-core/src/validate/email.rs, rule for rule.

import { MAX_EMAIL_BYTES, MAX_EMAIL_LOCAL_BYTES, MAX_TEXT_CHARS } from "./limits";
import { type Checked, type FieldProblem, fail, ok, problems } from "./problem";
import {
  asciiLowercase,
  charCount,
  isAlphanumeric,
  isControl,
  isWhitespace,
  trim,
  utf8Length,
} from "./text";

/** The problem with a stored address, if any: `local@domain.tld` within SMTP's lengths. */
export function emailProblem(field: string, address: string): FieldProblem | undefined {
  const at = address.indexOf("@");
  const valid =
    utf8Length(address) <= MAX_EMAIL_BYTES &&
    at >= 0 &&
    localPartIsValid(address.slice(0, at)) &&
    isDomainName(address.slice(at + 1));
  return valid ? undefined : problems.emailInvalid(field, address);
}

/**
 * Reads an email address as typed: trims it, drops a `mailto:` prefix and lowercases the
 * domain (the local part keeps its case). Returns the address to store.
 */
export function checkEmail(raw: string, field = "email"): Checked<string> {
  const length = charCount(raw);
  if (length > MAX_TEXT_CHARS) return fail(problems.tooLong(field, length, MAX_TEXT_CHARS));
  let text = trim(raw);
  if (asciiLowercase(text.slice(0, 7)) === "mailto:") text = text.slice(7);
  const at = text.lastIndexOf("@");
  const address = at >= 0 ? `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}` : text;
  return emailProblem(field, address) ? fail(problems.emailInvalid(field, raw)) : ok(address);
}

/** 1-64 bytes, no whitespace, control characters, `@` or the specials only quoting allows. */
function localPartIsValid(local: string): boolean {
  if (local.length === 0 || utf8Length(local) > MAX_EMAIL_LOCAL_BYTES) return false;
  for (const c of local) {
    if (isWhitespace(c) || isControl(c) || '@"(),:;<>[\\]'.includes(c)) return false;
  }
  return true;
}

/**
 * A domain name with at least two labels: letters (any script), digits and inner hyphens, at
 * most 63 bytes a label and 253 in all, and a top-level label of two or more characters that is
 * not all digits.
 */
export function isDomainName(domain: string): boolean {
  const labels = domain.split(".");
  const labelOk = (label: string): boolean =>
    label.length > 0 &&
    utf8Length(label) <= 63 &&
    !label.startsWith("-") &&
    !label.endsWith("-") &&
    [...label].every((c) => isAlphanumeric(c) || c === "-");
  const top = labels[labels.length - 1] ?? "";
  const topOk = charCount(top) >= 2 && !/^[0-9]*$/.test(top);
  return utf8Length(domain) <= 253 && labels.length >= 2 && labels.every(labelOk) && topOk;
}
