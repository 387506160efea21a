// Web addresses: sync-core/src/validate/url.rs, rule for rule (IP literals as Rust's
// `Ipv4Addr` / `Ipv6Addr` parse them).

import { isDomainName } from "./email";
import { MAX_URL_CHARS } from "./limits";
import { type Checked, type FieldProblem, fail, ok, problems } from "./problem";
import { asciiLowercase, charCount, isControl, isWhitespace, trim } from "./text";

/** The problem with a stored address, if any: http or https, a host, no whitespace. */
export function urlProblem(field: string, url: string): FieldProblem | undefined {
  const length = charCount(url);
  if (length > MAX_URL_CHARS) return problems.tooLong(field, length, MAX_URL_CHARS);
  return urlIsValid(url) ? undefined : problems.urlInvalid(field, url);
}

/**
 * Reads a web address as typed: trims it, adds `https://` when no scheme is given, and
 * lowercases the scheme and host (the path keeps its case). Returns the address to store.
 */
export function checkUrl(raw: string, field = "url"): Checked<string> {
  const length = charCount(raw);
  if (length > MAX_URL_CHARS) return fail(problems.tooLong(field, length, MAX_URL_CHARS));
  const text = trim(raw);
  const absolute = text.includes("://")
    ? text
    : text.startsWith("//")
      ? `https://${text.slice(2)}`
      : `https://${text}`;
  const split = absolute.indexOf("://");
  const scheme = absolute.slice(0, split);
  const rest = absolute.slice(split + 3);
  const authorityEnd = authorityLength(rest);
  const url = `${asciiLowercase(scheme)}://${rest.slice(0, authorityEnd).toLowerCase()}${rest.slice(authorityEnd)}`;
  const problem = urlProblem(field, url);
  if (problem === undefined) return ok(url);
  return fail(problem.code === "url_invalid" ? problems.urlInvalid(field, raw) : problem);
}

/** Where the authority ends: at the first `/`, `?` or `#`. */
function authorityLength(rest: string): number {
  const found = rest.search(/[/?#]/);
  return found < 0 ? rest.length : found;
}

function urlIsValid(url: string): boolean {
  for (const c of url) {
    if (isWhitespace(c) || isControl(c)) return false;
  }
  const split = url.indexOf("://");
  if (split < 0) return false;
  const scheme = asciiLowercase(url.slice(0, split));
  if (scheme !== "http" && scheme !== "https") return false;
  const rest = url.slice(split + 3);
  const authority = rest.slice(0, authorityLength(rest));
  if (authority.includes("@")) return false;
  let host: string;
  let port: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0 || !isIpv6(authority.slice(1, close))) return false;
    host = "";
    port = authority.slice(close + 1);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    port = colon < 0 ? "" : authority.slice(colon);
  }
  const hostOk = authority.startsWith("[") || isDomainName(host) || isIpv4(host);
  const portOk = port.startsWith(":")
    ? /^[0-9]+$/.test(port.slice(1)) && Number(port.slice(1)) <= 65_535
    : port === "";
  return hostOk && portOk;
}

/** Rust's `Ipv4Addr` text: four decimal octets, no leading zeros. */
function isIpv4(host: string): boolean {
  const reader = new Reader(host);
  return reader.ipv4() !== undefined && reader.done();
}

/** Rust's `Ipv6Addr` text: eight hex groups, `::` for one or more zero groups, IPv4 tail. */
function isIpv6(host: string): boolean {
  const reader = new Reader(host);
  return reader.ipv6() && reader.done();
}

/** A port of the IP address reader in Rust's `core::net::parser`. */
class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at === this.text.length;
  }

  private atomically<T>(read: () => T | undefined): T | undefined {
    const start = this.at;
    const value = read();
    if (value === undefined) this.at = start;
    return value;
  }

  private char(expected: string): true | undefined {
    if (this.text[this.at] !== expected) return undefined;
    this.at += 1;
    return true;
  }

  private number(radix: 10 | 16, maxDigits: number, allowZeroPrefix: boolean): number | undefined {
    return this.atomically(() => {
      const leadingZero = this.text[this.at] === "0";
      let digits = 0;
      let value = 0;
      for (;;) {
        const c = this.text[this.at];
        const digit = c === undefined ? Number.NaN : Number.parseInt(c, radix);
        if (Number.isNaN(digit) || !/^[0-9a-fA-F]$/.test(c ?? "")) break;
        this.at += 1;
        value = value * radix + digit;
        digits += 1;
        if (digits > maxDigits) return undefined;
      }
      if (digits === 0) return undefined;
      if (!allowZeroPrefix && leadingZero && digits > 1) return undefined;
      return value;
    });
  }

  ipv4(): number[] | undefined {
    return this.atomically(() => {
      const octets: number[] = [];
      for (let index = 0; index < 4; index += 1) {
        const octet = this.atomically(() => {
          if (index > 0 && this.char(".") === undefined) return undefined;
          const value = this.number(10, 3, false);
          return value !== undefined && value <= 255 ? value : undefined;
        });
        if (octet === undefined) return undefined;
        octets.push(octet);
      }
      return octets;
    });
  }

  /** Reads up to `limit` groups; returns how many, and whether an IPv4 tail ended them. */
  private groups(limit: number): [number, boolean] {
    for (let index = 0; index < limit; index += 1) {
      if (index < limit - 1) {
        const ipv4 = this.atomically(() => {
          if (index > 0 && this.char(":") === undefined) return undefined;
          return this.ipv4();
        });
        if (ipv4 !== undefined) return [index + 2, true];
      }
      const group = this.atomically(() => {
        if (index > 0 && this.char(":") === undefined) return undefined;
        return this.number(16, 4, true);
      });
      if (group === undefined) return [index, false];
    }
    return [limit, false];
  }

  ipv6(): boolean {
    return (
      this.atomically(() => {
        const [head, headIpv4] = this.groups(8);
        if (head === 8) return true;
        if (headIpv4) return undefined;
        if (this.char(":") === undefined || this.char(":") === undefined) return undefined;
        this.groups(8 - (head + 1));
        return true;
      }) ?? false
    );
  }
}
