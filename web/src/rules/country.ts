// Countries: sync-core/src/validate/country.rs, rule for rule, over the same table
// (countries.ts, copied from sync-core/src/validate/countries.rs).

import { ALIASES, COUNTRIES } from "./countries";
import { type Checked, type FieldProblem, fail, ok, problems } from "./problem";
import { asciiUppercase, isAlphanumeric, trim } from "./text";

const ALPHA2 = new Set(COUNTRIES.map(([alpha2]) => alpha2));
const BY_ALPHA3 = new Map(COUNTRIES.map(([alpha2, alpha3]) => [alpha3, alpha2]));

/** Every known name, normalised, with its code; built on first use. */
let byName: Map<string, string> | undefined;

function nameTable(): Map<string, string> {
  if (byName === undefined) {
    byName = new Map();
    for (const [alpha2, , names] of COUNTRIES) {
      for (const name of names) byName.set(normalize(name), alpha2);
    }
    for (const [name, alpha2] of ALIASES) byName.set(normalize(name), alpha2);
  }
  return byName;
}

/** The problem with a stored country, if any: an assigned alpha-2 code in uppercase, or empty. */
export function countryProblem(field: string, country: string): FieldProblem | undefined {
  return country === "" || ALPHA2.has(country) ? undefined : problems.countryInvalid(field, country);
}

/**
 * Reads a country as typed or imported and returns its alpha-2 code (`JP`): alpha-2 and
 * alpha-3 codes in any case, and English names (ISO, common and everyday ones such as `UK`,
 * `South Korea`, `Vietnam`), ignoring case, accents, punctuation and a leading "the". Blank
 * input returns "", the stored form of "unknown".
 */
export function checkCountry(raw: string, field = "country"): Checked<string> {
  const text = trim(raw);
  if (text === "") return ok("");
  const upper = asciiUppercase(text);
  const found = ALPHA2.has(upper) ? upper : (BY_ALPHA3.get(upper) ?? nameTable().get(normalize(text)));
  return found === undefined ? fail(problems.countryInvalid(field, raw)) : ok(found);
}

/**
 * The form names are compared in: lowercase, common Latin accents removed, `.` and apostrophes
 * dropped, `&` read as "and", other punctuation as a space, "st" as "saint", a leading "the"
 * dropped, single spaces.
 */
function normalize(name: string): string {
  let spaced = "";
  for (const original of name) {
    // Character by character, as Rust's `char::to_lowercase` (no final-sigma context).
    for (const lower of original.toLowerCase()) {
      const c = foldAccent(lower);
      if (c === "." || c === "'" || c === "\u2019") continue;
      if (c === "&") spaced += " and ";
      else if (isAlphanumeric(c)) spaced += c;
      else spaced += " ";
    }
  }
  const words = spaced
    .split(/\p{White_Space}+/u)
    .filter((word) => word !== "")
    .map((word) => (word === "st" ? "saint" : word));
  if (words[0] === "the") words.shift();
  return words.join(" ");
}

/** The accented lowercase letters that occur in country names, without their accents. */
function foldAccent(c: string): string {
  const point = c.codePointAt(0) ?? 0;
  if (point >= 0xe0 && point <= 0xe5) return "a";
  if (c === "ç") return "c";
  if (point >= 0xe8 && point <= 0xeb) return "e";
  if (point >= 0xec && point <= 0xef) return "i";
  if (c === "ñ") return "n";
  if ((point >= 0xf2 && point <= 0xf6) || c === "ø") return "o";
  if (point >= 0xf9 && point <= 0xfc) return "u";
  if (c === "ý" || c === "ÿ") return "y";
  return c;
}
