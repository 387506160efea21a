// Custom fields (docs/protocol.md §18): a map with one key naming the value's type. The four
// types this layout knows are edited; a type a newer layout added is shown and kept as is.
import { checkDate, formatDate, type CustomValueJson, type FieldProblem, type PartialDate } from '../rules/index.ts';

export const CUSTOM_KINDS = ['text', 'number', 'bool', 'date'] as const;
export type CustomKind = (typeof CUSTOM_KINDS)[number];

export const KIND_LABELS: Record<CustomKind, string> = { text: 'text', number: 'number', bool: 'yes/no', date: 'date' };

/** The value's type: the first of text, number, bool, date present (two can meet after
 * concurrent edits), else the unknown type's key. */
export function customKind(value: CustomValueJson): string {
  return CUSTOM_KINDS.find((k) => k in value) ?? Object.keys(value)[0] ?? 'text';
}

export function isKnownKind(kind: string): kind is CustomKind {
  return (CUSTOM_KINDS as readonly string[]).includes(kind);
}

/** A new field's empty value of `kind`. */
export function emptyCustom(kind: CustomKind): CustomValueJson {
  switch (kind) {
    case 'text': return { text: '' };
    case 'number': return { number: 0 };
    case 'bool': return { bool: false };
    case 'date': return { date: { year: null, month: 1, day: 1 } };
  }
}

/** The value as a rep reads it on the contact. */
export function customDisplay(value: CustomValueJson): string {
  const kind = customKind(value);
  const inner = (value as Readonly<Record<string, unknown>>)[kind];
  switch (kind) {
    case 'text': return String(inner);
    case 'number': return typeof inner === 'number' ? inner.toLocaleString('en') : String(inner);
    case 'bool': return inner === true ? 'yes' : 'no';
    case 'date': return formatDate(inner as PartialDate);
    default: return JSON.stringify(inner);
  }
}

/** What an input shows for a number or a date value. */
export function customInputText(value: CustomValueJson): string {
  const kind = customKind(value);
  const inner = (value as Readonly<Record<string, unknown>>)[kind];
  if (kind === 'date') return formatDate(inner as PartialDate);
  return String(inner);
}

/** A number or a date as typed: its value, or the problem to show under it. */
export function readCustomInput(kind: 'number' | 'date', text: string, field: string): { value: CustomValueJson } | { problem: FieldProblem } {
  if (kind === 'number') {
    const n = Number(text.trim().replace(/\s/g, ''));
    return text.trim() !== '' && Number.isFinite(n)
      ? { value: { number: n } }
      : { problem: { field, code: 'number_invalid', message: 'Write a number, like 12000 or 0.5' } };
  }
  const date = checkDate(text, field);
  return date.ok ? { value: { date: date.value } } : { problem: { ...date.problem, message: 'Write the date as YYYY-MM-DD, or --MM-DD without the year' } };
}
