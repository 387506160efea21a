// Phone numbers: sync-core/src/validate/phone.rs, step for step, over libphonenumber-js.
//
// sync-core uses the Rust `phonenumber` crate and asks `is_valid`, which matches the national
// number against each number type's pattern (fixed line, mobile, toll free, …).
// libphonenumber-js answers the same question only with its "max" metadata: the default "min"
// set checks lengths and leading digits alone and passes numbers the server refuses
// (03-0000-0000 in Japan), and "mobile" knows no fixed lines. Hence `libphonenumber-js/max`.
//
// Both libraries carry Google's metadata, and verdicts agree only when it is the same release:
// phonenumber 0.3.10+9.0.33 has 9.0.33, which libphonenumber-js ships in exactly 1.13.7 (1.13.18
// has 9.0.45 and accepts ranges in US, DE, VN and KR that the server refuses). Pin the two
// together; the shared case table fails when they drift (fixtures/field-rules/README.md).
//
// Which text is read as a number at all (punctuation, extensions, letters, `tel:` URIs) differs
// between the two parsers, so that part is ported from the Rust crate (`readAsPhonenumberCrate`)
// and libphonenumber-js only sees the digits.

import {
  type CountryCode,
  ParseError,
  type PhoneNumber,
  isSupportedCountry,
  parsePhoneNumberWithError,
} from "libphonenumber-js/max";

import { MAX_TEXT_CHARS } from "./limits";
import { type Checked, type FieldProblem, fail, ok, problems } from "./problem";
import { asciiLowercase, asciiUppercase, charCount, trim, utf8Length } from "./text";

/** The shape rule's wording for stored numbers. */
const NOT_E164 =
  "is not a phone number in E.164 form (+, the country code and the number, at most 15 digits)";

/**
 * The problem with a stored number, if any: canonical E.164 that the phone library accepts as a
 * valid number.
 */
export function phoneProblem(field: string, e164: string): FieldProblem | undefined {
  const invalid = (reason: string): FieldProblem => problems.phoneInvalid(field, e164, reason);
  const digits = e164.startsWith("+") ? e164.slice(1) : "";
  if (!/^[1-9][0-9]{0,14}$/.test(digits)) return invalid(NOT_E164);
  const parsed = parse(e164, undefined);
  if (!parsed.ok) return invalid(parsed.reason);
  const number = parsed.number;
  if (!number.isValid()) {
    return invalid(`is not a valid number for country code +${number.countryCallingCode}`);
  }
  if (number.number !== e164) {
    // Two spellings of one number would defeat duplicate detection and search.
    return invalid(`is not in canonical E.164 form (expected ${number.number})`);
  }
  return undefined;
}

/**
 * Reads a phone number as typed or printed and returns it in E.164 (`+81312345678`).
 *
 * `region` is the ISO 3166-1 alpha-2 code (any case) of the country a national number is
 * dialled in, usually the company's; `null` when there is none, and then a national number is
 * `phone_region_needed` (ask the user which country). A number written with `+` and its country
 * code needs no region and wins over it. Printed punctuation (`(03) 1234-5678`, `03.1234.5678`,
 * `tel:` URIs) and full-width digits, plus and dashes are read. An extension is dropped from
 * the result: store the text as typed in `raw` to keep it.
 */
export function checkPhone(raw: string, region: string | null, field = "phone"): Checked<string> {
  const invalid = (reason: string): Checked<string> =>
    fail(problems.phoneInvalid(field, raw, reason));
  // Checked before any parsing so a pasted document never reaches the parser.
  const length = charCount(raw);
  if (length > MAX_TEXT_CHARS) return fail(problems.tooLong(field, length, MAX_TEXT_CHARS));
  const text = trim(toAsciiPunctuation(raw));
  if (text === "") return invalid("is empty");
  let country: CountryCode | undefined;
  if (region !== null) {
    const code = asciiUppercase(trim(region));
    if (!isSupportedCountry(code)) {
      return invalid(
        `cannot be read: the default region ${JSON.stringify(region)} is not a country code`,
      );
    }
    country = code;
  }
  const international = text.startsWith("+") || asciiLowercase(text).startsWith("tel:+");
  if (country === undefined && !international) {
    return fail(problems.phoneRegionNeeded(field, raw));
  }
  const read = readAsPhonenumberCrate(text);
  if (!read.ok) return invalid(read.reason);
  const parsed = parse(read.digits, country);
  if (!parsed.ok) return invalid(parsed.reason);
  const number = parsed.number;
  if (read.callingCode !== undefined && number.countryCallingCode !== read.callingCode) {
    // `tel:+81-3-…` names its country code up to the first separator; one that is not a
    // country code is refused, as the crate refuses it, rather than re-split.
    return invalid("does not start with a known country code");
  }
  if (!number.isValid()) {
    return invalid(
      !international && country !== undefined
        ? `is not a valid phone number in ${country}`
        : `is not a valid number for country code +${number.countryCallingCode}`,
    );
  }
  return ok(number.number);
}

/** What the `phonenumber` crate reads from typed text before it looks at any country's rules. */
type Read =
  | {
      ok: true;
      /** `+` and the digits when the text was international, else the digits. */
      digits: string;
      /** The country code a `tel:` URI names outright (`tel:+81-3-…`), if it does. */
      callingCode?: string;
    }
  | { ok: false; reason: string };

/**
 * Reads typed text as the Rust `phonenumber` crate's parser does (its `rfc3966`, `natural` and
 * `valid` modules), so both sides accept and refuse the same characters: where the number
 * starts and ends, which punctuation may separate digits, extensions, `tel:` URIs, pluses, and
 * letters standing for digits (`1-800-FLOWERS`). The digits it returns then go to
 * libphonenumber-js for the country's rules (country code, trunk prefix, validity), which both
 * libraries take from Google's metadata. Without this step libphonenumber-js would accept
 * `03-1234-5678(代)` and `+81 3 1234 5678;ext=9` and refuse `1-800-FLOWERS`, `415*555*0132`
 * and `++81 3 1234 5678`, the other way round from the server.
 */
export function readAsPhonenumberCrate(text: string): Read {
  const notANumber: Read = { ok: false, reason: "is not a phone number" };
  const uri = text.includes(" ") ? undefined : readTelUri(text);
  let national: string;
  let prefix: string | undefined;
  if (uri !== undefined) {
    national = uri.national;
    prefix = uri.prefix;
  } else {
    const start = text.search(/[+\uFF0B\p{Nd}]/u);
    if (start < 0) return notANumber;
    let found = text.slice(start).replace(/[^\p{N}\p{L}#]+$/u, "");
    const second = found.search(/[\\/] *x/);
    if (second >= 0) found = found.slice(0, second);
    if (found === "") return notANumber;
    const extension = EXTENSION.exec(found);
    if (extension !== null) {
      // Only the spelled-out form (`ext. 12`, `x12`, `#12`) is read as an extension; the
      // crate fails outright on `;ext=12` outside a `tel:` URI and on `- 12#`.
      if (extension[2] === undefined) return notANumber;
      national = found.slice(0, extension.index);
    } else {
      national = found;
    }
  }
  if (!isViable(national)) return notANumber;
  if (prefix !== undefined) {
    const code = normalizeDigits(prefix);
    return { ok: true, digits: `+${code}${normalizeDigits(national)}`, callingCode: code };
  }
  const pluses = /^[+\uFF0B]+/.exec(national)?.[0].length ?? 0;
  const digits = normalizeDigits(national.slice(pluses));
  return { ok: true, digits: pluses > 0 ? `+${digits}` : digits };
}

/** The extension forms the crate reads (`EXTN_PATTERNS_FOR_PARSING`), anchored at the end. */
const EXTENSION = new RegExp(
  "(?:;ext=(\\p{Nd}{0,7})" +
    "|[ \\u00A0\\t,]*(?:e?xt(?:ensi(?:o\\u0301?|\\u00F3))?n?|\\uFF45?\\uFF58\\uFF54\\uFF4E?" +
    "|[,;x\\uFF58#\\uFF03~\\uFF5E]|int|anexo|\\uFF49\\uFF4E\\uFF54)" +
    "[:.\\uFF0E]?[ \\u00A0\\t,-]*(\\p{Nd}{0,7})#?" +
    "|[- ]+(\\p{Nd}{1,5})#)$",
  "iu",
);

/** The crate's punctuation between digits (`helper::punctuation`), `x` included. */
const PUNCTUATION = new Set(
  "-x\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30FC\uFF0D\uFF0F \u00A0\u00AD\u200B\u2060\u3000()\uFF08\uFF09\uFF3B\uFF3D.[]/~\u2053\u223C\uFF5E",
);

/**
 * The crate's `valid::phone_number`: two digits alone, or pluses, then three digits each after
 * any punctuation or `*`, then punctuation, `*`, digits and (only then) ASCII letters.
 */
function isViable(national: string): boolean {
  if (utf8Length(national) < 2) return false;
  if (/^[0-9]{2}$/.test(national)) return true;
  const chars = [...national];
  let at = 0;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  const isSeparator = (c: string | undefined): boolean =>
    c !== undefined && (PUNCTUATION.has(c) || c === "*");
  while (chars[at] === "+" || chars[at] === "\uFF0B") at += 1;
  for (let group = 0; group < 3; group += 1) {
    while (isSeparator(chars[at])) at += 1;
    if (!isDigit(chars[at])) return false;
    at += 1;
  }
  while (isSeparator(chars[at]) || isDigit(chars[at])) at += 1;
  while (isSeparator(chars[at]) || isDigit(chars[at]) || /^[A-Za-z]$/.test(chars[at] ?? "")) {
    at += 1;
  }
  return at === chars.length;
}

/** The crate's reading of a `tel:` URI (RFC 3966), tried first on text without spaces. */
function readTelUri(text: string): { national: string; prefix?: string } | undefined {
  let rest = asciiLowercase(text.slice(0, 4)) === "tel:" ? text.slice(4) : text;
  const separator = (c: string): boolean => c === "-" || c === "." || c === "(" || c === ")";
  let prefix: string | undefined;
  if (rest.startsWith("+")) {
    let end = 1;
    while (end < rest.length && !separator(rest[end] ?? "")) end += 1;
    if (end > 1) {
      prefix = rest.slice(1, end);
      rest = rest.slice(end);
    }
  }
  const national = /^[0-9a-fA-F.()-]+/.exec(rest)?.[0];
  if (national === undefined) return undefined;
  rest = rest.slice(national.length);
  if (rest !== "" && !rest.startsWith(";")) return undefined;
  const params = new Map<string, string>();
  for (;;) {
    const param = /^;([A-Za-z0-9-]*)=([A-Za-z0-9\-_.!~*'()[\]/:&+$]*)/.exec(rest);
    if (param === null) break;
    params.set(param[1] ?? "", param[2] ?? "");
    rest = rest.slice(param[0].length);
  }
  const context = params.get("phone-context");
  prefix ??= context?.startsWith("+") ? context.slice(1) : context;
  return prefix === undefined ? { national } : { national, prefix };
}

/** The crate's normalisation: decimal digits of any script the crate knows as ASCII, ASCII
 * letters as the digits of a phone keypad, everything else dropped. */
function normalizeDigits(text: string): string {
  let out = "";
  for (const c of text) {
    const point = c.codePointAt(0) ?? 0;
    const zero = DIGIT_ZEROS.find((z) => point >= z && point <= z + 9);
    if (zero !== undefined) out += String(point - zero);
    else if (/^[A-Za-z]$/.test(c)) out += KEYPAD[c.toUpperCase().charCodeAt(0) - 65] ?? "";
  }
  return out;
}

/** Zeros of the digit runs the crate maps: ASCII, Arabic-Indic, Persian, N'Ko, Indic scripts,
 * Thai, Lao, full-width. */
const DIGIT_ZEROS = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
  0xe50, 0xed0, 0xff10,
];

/** A phone keypad's digit for each letter A to Z. */
const KEYPAD = "22233344455566677778889999";

/** libphonenumber-js's reading of `text`, or why it has none, worded as sync-core words it. */
function parse(
  text: string,
  country: CountryCode | undefined,
): { ok: true; number: PhoneNumber } | { ok: false; reason: string } {
  try {
    const number = parsePhoneNumberWithError(text, country ? { defaultCountry: country } : {});
    return { ok: true, number };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const reasons: Record<string, string> = {
      INVALID_COUNTRY: "does not start with a known country code",
      TOO_SHORT: "is too short to be a phone number",
      TOO_LONG: "is too long to be a phone number",
    };
    return { ok: false, reason: reasons[error.message] ?? "is not a phone number" };
  }
}

/**
 * Full-width ASCII (U+FF01-U+FF5E), the ideographic space and the dash look-alikes of
 * Japanese and Chinese input methods, as plain ASCII.
 */
export function toAsciiPunctuation(raw: string): string {
  let out = "";
  for (const c of raw) {
    const point = c.codePointAt(0) ?? 0;
    if (point >= 0xff01 && point <= 0xff5e) out += String.fromCodePoint(point - 0xfee0);
    else if (point === 0x3000) out += " ";
    else if (
      (point >= 0x2010 && point <= 0x2015) ||
      point === 0x2212 ||
      point === 0x30fc ||
      point === 0xff70
    )
      out += "-";
    else out += c;
  }
  return out;
}
