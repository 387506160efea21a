// Calendar dates whose year may be unknown: sync-core/src/validate/date.rs, rule for rule.

import type { PartialDate } from "./contact";
import { type Checked, type FieldProblem, fail, ok, problems } from "./problem";
import { trim } from "./text";

/** A stored date in ISO form: `1990-04-07`, or `--04-07` without a year. */
export function formatDate(date: PartialDate): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return date.year === null
    ? `--${two(date.month)}-${two(date.day)}`
    : `${String(date.year).padStart(4, "0")}-${two(date.month)}-${two(date.day)}`;
}

/**
 * The problem with a stored date, if any: month 1-12, a day that exists in that month (February
 * 29 is allowed without a year) and a year, when known, from 1 to 9999.
 */
export function dateProblem(field: string, date: PartialDate): FieldProblem | undefined {
  const yearOk = date.year === null || (date.year >= 1 && date.year <= 9999);
  const dayOk =
    date.month >= 1 &&
    date.month <= 12 &&
    date.day >= 1 &&
    date.day <= daysInMonth(date.year, date.month);
  return yearOk && dayOk ? undefined : problems.dateInvalid(field, formatDate(date));
}

/**
 * Reads a date as typed: `YYYY-MM-DD`, `--MM-DD` (no year) or `MM/DD/YYYY` (always month
 * first, with one- or two-digit month and day, as US tools export). Anything else is refused
 * rather than guessed at, so offer a date picker rather than slashes to people typing dates.
 */
export function checkDate(raw: string, field = "date"): Checked<PartialDate> {
  const invalid = fail<PartialDate>(problems.dateInvalid(field, raw));
  const text = trim(raw);
  let date: PartialDate;
  if (text.startsWith("--")) {
    const monthDay = text.slice(2);
    const dash = monthDay.indexOf("-");
    if (dash < 0) return invalid;
    const month = digits(monthDay.slice(0, dash), 2, 2);
    const day = digits(monthDay.slice(dash + 1), 2, 2);
    if (month === undefined || day === undefined) return invalid;
    date = { year: null, month, day };
  } else if (text.includes("/")) {
    const parts = text.split("/");
    if (parts.length !== 3) return invalid;
    const year = digits(parts[2] ?? "", 4, 4);
    const month = digits(parts[0] ?? "", 1, 2);
    const day = digits(parts[1] ?? "", 1, 2);
    if (year === undefined || month === undefined || day === undefined) return invalid;
    date = { year, month, day };
  } else {
    const parts = text.split("-");
    if (parts.length !== 3) return invalid;
    const year = digits(parts[0] ?? "", 4, 4);
    const month = digits(parts[1] ?? "", 2, 2);
    const day = digits(parts[2] ?? "", 2, 2);
    if (year === undefined || month === undefined || day === undefined) return invalid;
    date = { year, month, day };
  }
  return dateProblem(field, date) ? invalid : ok(date);
}

/** `text` as a number when it is only ASCII digits, between `min` and `max` of them. */
function digits(text: string, min: number, max: number): number | undefined {
  return text.length >= min && text.length <= max && /^[0-9]+$/.test(text)
    ? Number(text)
    : undefined;
}

/** Days in `month` (1-12); February has 29 when the year is unknown. */
function daysInMonth(year: number | null, month: number): number {
  if (month === 4 || month === 6 || month === 9 || month === 11) return 30;
  if (month === 2) return year !== null && !isLeap(year) ? 28 : 29;
  return 31;
}

/** Gregorian leap years: every fourth year, except centuries not divisible by 400. */
function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
