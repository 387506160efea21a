import { expect, test } from 'vitest';
import { customDisplay, customInputText, customKind, emptyCustom, readCustomInput } from './custom.ts';

test('a custom value\'s type is the first known key, else the unknown one', () => {
  expect(customKind({ number: 3 })).toBe('number');
  expect(customKind({ bool: true, text: 'x' })).toBe('text'); // two met after concurrent edits
  expect(customKind({ money: { amount: 5, currency: 'SEK' } })).toBe('money');
});

test('every type reads as a rep expects, an unknown one as stored', () => {
  expect(customDisplay({ text: 'NK-0042' })).toBe('NK-0042');
  expect(customDisplay({ number: 125000.5 })).toBe('125,000.5');
  expect(customDisplay({ bool: true })).toBe('yes');
  expect(customDisplay({ bool: false })).toBe('no');
  expect(customDisplay({ date: { year: 2026, month: 3, day: 31 } })).toBe('2026-03-31');
  expect(customDisplay({ date: { year: null, month: 12, day: 24 } })).toBe('--12-24');
  expect(customDisplay({ money: { amount: 5 } })).toBe('{"amount":5}');
});

test('numbers and dates as typed: the value or the problem', () => {
  expect(readCustomInput('number', '12 000', 'custom.Budget')).toEqual({ value: { number: 12000 } });
  expect(readCustomInput('number', '0.5', 'f')).toEqual({ value: { number: 0.5 } });
  expect('problem' in readCustomInput('number', 'lots', 'f')).toBe(true);
  expect('problem' in readCustomInput('number', '', 'f')).toBe(true);
  expect(readCustomInput('date', '2026-02-28', 'f')).toEqual({ value: { date: { year: 2026, month: 2, day: 28 } } });
  expect(readCustomInput('date', '--02-29', 'f')).toEqual({ value: { date: { year: null, month: 2, day: 29 } } });
  const bad = readCustomInput('date', '2026-02-30', 'custom.Renewal');
  expect('problem' in bad && bad.problem.field).toBe('custom.Renewal');
});

test('new fields start empty, and inputs show stored values', () => {
  expect(emptyCustom('bool')).toEqual({ bool: false });
  expect(customInputText({ date: { year: 2026, month: 1, day: 5 } })).toBe('2026-01-05');
  expect(customInputText({ number: 3 })).toBe('3');
});
