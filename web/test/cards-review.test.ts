// The card review's rules (sync-core card::check_kept, fix_phone, merge_into): a phone the
// reader kept as printed because it did not validate reaches the review with its reason, is
// refused on save until the rep corrects or drops it, and two titles are both kept.
import { describe, expect, it } from 'vitest';
import { contactFromCard, fixPhone, toFix, type CardField } from '../src/sync/cards.ts';
import { cardLanguage, displayName } from '../src/sync/contact.ts';

const field = (kind: string, value: string, more: Partial<CardField> = {}): CardField => ({
  kind, value, raw: value, confidence: 0.9, source: 'ocr', ...more,
});

describe('a number that does not validate', () => {
  const printed = field('phone', '(04) 3942 5178', {
    label: 'work', confidence: 0.27, problem: 'is not a valid phone number in VN (a number from before Vietnam\'s 2018 renumbering: now +842439425178?)',
  });
  const fields = [field('given_name', 'Văn Tâm'), field('family_name', 'Lương'), printed];

  it('reaches the review as printed, with its reason', () => {
    expect(toFix(fields)).toEqual([printed]);
    expect(printed.value).toBe('(04) 3942 5178');
  });

  it('is refused on save until fixed', () => {
    expect(() => contactFromCard(fields, [])).toThrow(/\(04\) 3942 5178/);
    const again = fixPhone(printed, '(04) 3942 5178', 'VN');
    expect(again.ok).toBe(false);
    const fixed = fixPhone(printed, '024 3942 5178', 'VN');
    if (!fixed.ok) throw new Error(fixed.message);
    expect(fixed.field).toMatchObject({ value: '+842439425178', raw: '024 3942 5178', problem: null, confidence: 1 });
    const contact = contactFromCard([fields[0]!, fields[1]!, fixed.field], []);
    expect(contact.phones).toMatchObject([{ label: 'work', e164: '+842439425178', raw: '024 3942 5178' }]);
  });

  it('may be left out instead', () => {
    const contact = contactFromCard(fields.slice(0, 2), []);
    expect(contact.phones).toEqual([]);
  });
});

describe('titles', () => {
  it('two titles on a card are both kept', () => {
    const contact = contactFromCard([field('company', 'Glasswing Robotics'), field('title', 'Co-Founder'), field('title', 'Chief Technology Officer')], []);
    expect(contact.organizations[0]!.title).toBe('Co-Founder / Chief Technology Officer');
  });
});

describe('names', () => {
  it('a Vietnamese name read without its marks keeps the printed order once saved', () => {
    const contact = contactFromCard([field('given_name', 'Van Tam'), field('family_name', 'Luong')], []);
    expect(displayName(contact)).toBe('Van Tam Luong');
    contact.language ??= cardLanguage('VN');
    expect(displayName(contact)).toBe('Luong Van Tam');
    expect(cardLanguage('JP')).toBeNull();
    expect(cardLanguage(null)).toBeNull();
  });
});
