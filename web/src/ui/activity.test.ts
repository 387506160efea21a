import { expect, test } from 'vitest';
import { localInputValue, newestFirst, pickedTime } from './activity.ts';

const entry = (id: string, at_ms: number) => ({ id, kind: 'call', at_ms, by: '', text: id });

test('activity is listed newest first, the later logged first at the same moment', () => {
  const list = [entry('old', 1_000), entry('new', 3_000), entry('same-a', 2_000), entry('same-b', 2_000)];
  expect(newestFirst(list).map((e) => e.id)).toEqual(['new', 'same-b', 'same-a', 'old']);
  expect(list[0]!.id).toBe('old'); // the contact's own list is left as it is
});

test('a picked time reads as the phone\'s local time; nothing picked is now', () => {
  const at = new Date(2026, 2, 14, 9, 30).getTime();
  expect(pickedTime('2026-03-14T09:30', 5)).toBe(at);
  expect(pickedTime(localInputValue(at), 5)).toBe(at);
  expect(pickedTime('', 5)).toBe(5);
  expect(pickedTime('yesterday', 5)).toBe(5);
});
