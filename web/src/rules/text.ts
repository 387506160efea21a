// Text primitives with Rust's meaning rather than JavaScript's, so a length, a trim or a
// "is this a letter" gives the verdict sync-core gives (sync-core/src/validate.rs).
//
// The differences that matter: Rust counts characters as Unicode scalar values (JavaScript's
// `length` counts UTF-16 units, so an emoji is 2); Rust's `trim` and `is_whitespace` use the
// Unicode White_Space property (JavaScript's `trim` also strips U+FEFF and keeps U+0085);
// Rust's `is_control` is exactly category Cc; email and domain limits are in UTF-8 bytes.

const WHITE_SPACE = /^\p{White_Space}$/u;
const EDGE_WHITE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const ALPHANUMERIC = /^[\p{Alphabetic}\p{N}]$/u;
const CONTROL = /^\p{Cc}$/u;

/** Length in characters (Unicode scalar values), as Rust's `str::chars().count()`. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Length in UTF-8 bytes, as Rust's `str::len()`. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const c of text) {
    const point = c.codePointAt(0) ?? 0;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Rust's `char::is_whitespace`: the Unicode White_Space property. */
export function isWhitespace(c: string): boolean {
  return WHITE_SPACE.test(c);
}

/** Rust's `str::trim`: White_Space stripped from both ends (U+FEFF is not White_Space). */
export function trim(text: string): string {
  return text.replace(EDGE_WHITE_SPACE, "");
}

/** Rust's `char::is_control`: general category Cc (C0, DEL, C1). */
export function isControl(c: string): boolean {
  return CONTROL.test(c);
}

/** Rust's `char::is_alphanumeric`: Alphabetic or a numeric category (Nd, Nl, No). */
export function isAlphanumeric(c: string): boolean {
  return ALPHANUMERIC.test(c);
}

/** Whether `text` is only ASCII digits. */
export function isAsciiDigits(text: string): boolean {
  return /^[0-9]*$/.test(text);
}

/** ASCII letters lowercased, every other character kept (Rust's `to_ascii_lowercase`). */
export function asciiLowercase(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** ASCII letters uppercased, every other character kept (Rust's `to_ascii_uppercase`). */
export function asciiUppercase(text: string): string {
  return text.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/**
 * Whether `c` may stand in a one-line field (names, labels, company, …): no control
 * characters, and none of the direction embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that can make one name read as another in a list. The marks a right-to-left
 * name needs (U+200E, U+200F, U+061C) stay allowed.
 */
export function allowedInShortText(c: string): boolean {
  const point = c.codePointAt(0) ?? 0;
  return !(
    isControl(c) ||
    (point >= 0x202a && point <= 0x202e) ||
    (point >= 0x2066 && point <= 0x2069)
  );
}

/** Whether `c` may stand in long text (notes, an activity's text): line breaks and tabs. */
export function allowedInLongText(c: string): boolean {
  return !isControl(c) || c === "\n" || c === "\r" || c === "\t";
}

/** The first character of `text` that `allowed` refuses, as its code point. */
export function firstForbidden(
  text: string,
  allowed: (c: string) => boolean,
): number | undefined {
  for (const c of text) {
    if (!allowed(c)) return c.codePointAt(0);
  }
  return undefined;
}

/** Compares by code point, which is the byte order Rust's `BTreeMap<String, _>` keeps. */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const difference = (left[index]?.codePointAt(0) ?? 0) - (right[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const GRAPHEME_EXTEND = /^\p{Grapheme_Extend}$/u;

/**
 * `text` quoted as Rust's `{:?}` writes a string, which is how sync-core names a tag or a
 * custom field in a path (`tags["vip"]`, `custom["Budget"]`): `\t \r \n \0 \\ \"` escaped,
 * other unprintable characters and combining marks as `\u{…}`.
 */
export function rustDebugQuote(text: string): string {
  let out = '"';
  for (const c of text) {
    switch (c) {
      case "\t":
        out += "\\t";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\0":
        out += "\\0";
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case '"':
        out += '\\"';
        continue;
      default:
        break;
    }
    if (c !== " " && (NOT_PRINTABLE.test(c) || GRAPHEME_EXTEND.test(c))) {
      out += `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
    } else {
      out += c;
    }
  }
  return `${out}"`;
}
