import { expect, test } from 'vitest';
import type { PresenceEntry } from '../sync/replica.ts';
import { presenceLine, someoneEditing } from './presence.ts';

const p = (member: string, device: string, state: PresenceEntry['state']): PresenceEntry => ({ member, device, state, at_ms: 0 });
const names = new Map([['m1', 'Mina'], ['m2', 'Otto']]);

test('one phrase per teammate, editors first, unknown people as a teammate', () => {
  expect(presenceLine([], names)).toBe('');
  expect(presenceLine([p('m2', 'd3', 'viewing'), p('m1', 'd1', 'viewing'), p('m1', 'd2', 'editing')], names)).toBe('Mina is editing · Otto is viewing');
  expect(presenceLine([p('m9', 'd9', 'viewing')], names, ' this contact')).toBe('A teammate is viewing this contact');
});

test('editing is told apart from viewing', () => {
  expect(someoneEditing([p('m1', 'd1', 'viewing')])).toBe(false);
  expect(someoneEditing([p('m1', 'd1', 'viewing'), p('m2', 'd2', 'editing')])).toBe(true);
});
