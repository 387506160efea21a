// The activity log on a contact: entries newest first, and the time a rep picks for one.
import type { ActivityJson } from '../sync/contact.ts';

/** Newest first; entries at the same moment in the order they were logged (last logged first). */
export function newestFirst(activity: readonly ActivityJson[]): ActivityJson[] {
  return activity.map((entry, index) => ({ entry, index }))
    .sort((a, b) => b.entry.at_ms - a.entry.at_ms || b.index - a.index)
    .map(({ entry }) => entry);
}

/** A `datetime-local` input's value (the phone's local time) as ms since the epoch; empty or
 * unreadable means `now`. */
export function pickedTime(value: string, now: number): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return now;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : now;
}

/** `ms` as a `datetime-local` value in the phone's local time, to the minute. */
export function localInputValue(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}
