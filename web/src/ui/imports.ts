// The import screen's logic, apart from the view so it is tested in Node: the mapping the
// user changes, the targets grouped for the dropdown, the preview's pages, the rows chosen,
// each problem put on the field it belongs to, and the lines the result is told in.

import type { ColumnTarget, Duplicates, ImportColumn, ImportJson, ImportRow, RowProblem, Target } from '../sync/imports.ts';

/** Rows on one page of the preview: enough to scan, few enough for a phone. */
export const PREVIEW_PAGE = 20;

/** The target that drops a column. */
export const IGNORE = 'ignore';

// ---- mapping ----

/** Each column's target, by the column's position (two columns may share a header). */
export function mappingOf(columns: readonly ImportColumn[]): string[] {
  return columns.map((c) => c.target);
}

/** The mapping with the column at `index` going to `target`. */
export function withTarget(mapping: readonly string[], index: number, target: string): string[] {
  return mapping.map((t, i) => (i === index ? target : t));
}

/** The whole mapping to send, or null when it is what the server already has. */
export function mappingPatch(columns: readonly ImportColumn[], mapping: readonly string[]): ColumnTarget[] | null {
  if (columns.length === mapping.length && columns.every((c, i) => c.target === mapping[i])) return null;
  return columns.map((c, i) => ({ column: c.column, target: mapping[i] ?? c.target }));
}

export interface TargetGroup { label: string; targets: Target[] }

const GROUP_LABELS: Record<string, string> = {
  name: 'Name', phone: 'Phone', email: 'Email', address: 'Address', organization: 'Company', date: 'Dates',
  social: 'Social and messaging', url: 'Web', custom: 'Custom fields', other: 'Other',
};

const NAME_KEYS = new Set(['given', 'family', 'full_name', 'middle', 'prefix', 'suffix', 'nickname', 'phonetic_given', 'phonetic_family']);
const SHORTCUTS: Record<string, string> = { company: 'organization', department: 'organization', title: 'organization', birthday: 'date', anniversary: 'date' };

/** The family a target belongs to, for the dropdown's groups (keys as interchange writes them:
 * `LIST[SLOT][.PART]`, `phone:mobile`, `phone[1].label`, `address:work.city`). */
export function targetFamily(key: string): string {
  if (NAME_KEYS.has(key)) return 'name';
  if (key in SHORTCUTS) return SHORTCUTS[key] ?? 'other';
  const head = key.split(/[:.[]/)[0] ?? key;
  if (head === 'custom_fields') return 'custom';
  return head in GROUP_LABELS ? head : 'other';
}

/** The server's targets in groups (its order kept inside each), with any target a column
 * already has that the list lacks (a custom field named in the file) added where it belongs,
 * so a select never shows a value that is not among its options. */
export function targetGroups(targets: readonly Target[], current: readonly string[] = []): TargetGroup[] {
  const all = [...targets];
  for (const key of current) {
    if (!all.some((t) => t.key === key)) all.push({ key, label: key === IGNORE ? 'Ignore this column' : key });
  }
  const order = Object.keys(GROUP_LABELS);
  const groups = new Map<string, Target[]>();
  for (const target of all) {
    const family = targetFamily(target.key);
    groups.set(family, [...(groups.get(family) ?? []), target]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([family, list]) => ({ label: GROUP_LABELS[family] ?? family, targets: list }));
}

/** A target's label, else its key. */
export function targetLabel(targets: readonly Target[], key: string): string {
  return targets.find((t) => t.key === key)?.label || key;
}

// ---- preview pages ----

export function pageCount(total: number, size = PREVIEW_PAGE): number {
  return Math.max(1, Math.ceil(total / size));
}

/** The page within bounds. */
export function clampPage(page: number, total: number, size = PREVIEW_PAGE): number {
  return Math.min(Math.max(0, Math.floor(page)), pageCount(total, size) - 1);
}

/** The row offset of a page (0-based). */
export function pageOffset(page: number, total: number, size = PREVIEW_PAGE): number {
  return clampPage(page, total, size) * size;
}

/** "Rows 21–40 of 57". */
export function pageLabel(page: number, total: number, size = PREVIEW_PAGE): string {
  if (total === 0) return 'No rows';
  const first = pageOffset(page, total, size) + 1;
  const last = Math.min(total, first + size - 1);
  return `Rows ${first}–${last} of ${total}`;
}

// ---- rows ----

/** The lines chosen after a row's checkbox changed; null means every row. `all` is every
 * line of the file (needed only when going from "every row" to a list). */
export function toggleLine(lines: readonly number[] | null, all: readonly number[], line: number, on: boolean): number[] | null {
  const chosen = new Set(lines ?? all);
  if (on) chosen.add(line); else chosen.delete(line);
  if (all.length > 0 && all.every((l) => chosen.has(l))) return null;
  return [...chosen].sort((a, b) => a - b);
}

/** Whether a row would be saved: chosen, without a problem, and not a duplicate to skip. */
export function wouldImport(row: ImportRow, duplicates: Duplicates): boolean {
  return row.selected && row.problems.length === 0 && !(row.duplicate_of !== null && duplicates === 'skip');
}

/** The fields a preview row shows, in the mapping's order, with any other value after. */
export function previewTargets(columns: readonly ImportColumn[], mapping: readonly string[], rows: readonly ImportRow[] = []): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (key: string) => {
    if (key === IGNORE || seen.has(key)) return;
    seen.add(key);
    out.push(key);
  };
  columns.forEach((c, i) => add(mapping[i] ?? c.target));
  for (const row of rows) Object.keys(row.values).sort().forEach(add);
  return out;
}

/** A value as text: a list joined with "; ". */
export function valueText(value: string | string[] | null | undefined): string {
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.filter((v) => v !== '').join('; ') : value;
}

export interface PlacedProblems {
  /** Problems on a field the row shows, by target key. */
  byTarget: Map<string, RowProblem[]>;
  /** Problems of the row as a whole (a missing name) or of a column it does not show. */
  other: RowProblem[];
}

/** Puts each problem on the field it belongs to: by its column's target, so the preview marks
 * the value the user sees. */
export function placeProblems(row: ImportRow, columns: readonly ImportColumn[], mapping: readonly string[], shown: readonly string[]): PlacedProblems {
  const byTarget = new Map<string, RowProblem[]>();
  const other: RowProblem[] = [];
  for (const problem of row.problems) {
    const index = problem.column === null ? -1 : columns.findIndex((c) => c.column === problem.column);
    const target = index >= 0 ? (mapping[index] ?? columns[index]?.target) : undefined;
    if (target !== undefined && shown.includes(target)) byTarget.set(target, [...(byTarget.get(target) ?? []), problem]);
    else other.push(problem);
  }
  return { byTarget, other };
}

/** A problem's message without the field it already names in front (`phones[0].e164: …`):
 * the screen shows it beside that field. */
export function problemText(problem: RowProblem): string {
  const prefix = `${problem.field}: `;
  return problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
}

// ---- options ----

/** Tags typed as "fair 2026, leads": trimmed, without blanks or repeats, in typed order. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const tag of text.split(',').map((t) => t.trim())) if (tag && !out.includes(tag)) out.push(tag);
  return out;
}

// ---- progress and result ----

/** Rows saved one way or another: created, merged into an existing contact, or replacing one. */
export function saved(job: ImportJson): number {
  return job.imported + job.merged + job.replaced;
}

/** "8 of 10 imported". */
export function resultLine(job: ImportJson): string {
  return `${saved(job)} of ${job.total} imported`;
}

/** The counts behind the result, leaving out the zeros. */
export function outcomeParts(job: ImportJson): string[] {
  const parts: [number, string][] = [
    [job.imported, 'new'], [job.merged, 'merged'], [job.replaced, 'replaced'], [job.skipped, 'skipped'], [job.failed, 'not imported'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

/** Progress as a whole percentage, never past 100. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** Bytes for people: "812 KB", "3.4 MB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
