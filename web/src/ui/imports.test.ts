import { describe, expect, test } from 'vitest';
import type { ImportColumn, ImportJson, ImportRow } from '../sync/imports.ts';
import { dispositionName, exportQuery } from '../sync/imports.ts';
import {
  clampPage, mappingOf, mappingPatch, outcomeParts, pageCount, pageLabel, pageOffset, parseTags, percent,
  placeProblems, previewTargets, problemText, resultLine, targetFamily, targetGroups, toggleLine, valueText, withTarget, wouldImport,
} from './imports.ts';

const columns: ImportColumn[] = [
  { column: 'First Name', target: 'given', samples: ['Aiko'] },
  { column: 'Mobile', target: 'phone:mobile', samples: ['090-1234-5678'] },
  { column: 'Fax', target: 'ignore', samples: [] },
  { column: 'Company', target: 'company', samples: ['Yamata Keiki'] },
];

const row = (line: number, over: Partial<ImportRow> = {}): ImportRow => ({ line, selected: true, values: {}, problems: [], duplicate_of: null, ...over });

const job = (over: Partial<ImportJson> = {}): ImportJson => ({
  id: 'i', file_name: 'people.csv', format: 'csv', encoding: 'UTF-8', layout: 'rolo', state: 'done', columns, targets: [],
  options: { duplicates: 'merge', tags: [], visibility: null, lines: null }, total: 10, done: 10,
  imported: 6, merged: 1, replaced: 1, skipped: 0, failed: 2, ...over,
});

describe('the mapping', () => {
  test('is unchanged until a column gets another target, then the whole mapping is sent', () => {
    const mapping = mappingOf(columns);
    expect(mappingPatch(columns, mapping)).toBeNull();
    const changed = withTarget(mapping, 2, 'note_line');
    expect(mapping[2]).toBe('ignore');
    expect(mappingPatch(columns, changed)).toEqual([
      { column: 'First Name', target: 'given' }, { column: 'Mobile', target: 'phone:mobile' },
      { column: 'Fax', target: 'note_line' }, { column: 'Company', target: 'company' },
    ]);
    expect(mappingPatch(columns, withTarget(changed, 2, 'ignore'))).toBeNull();
  });

  test('targets are grouped for the dropdown, and a target the list lacks is still offered', () => {
    const groups = targetGroups([
      { key: 'given', label: 'Given name' }, { key: 'phone:mobile', label: 'Phone (mobile)' }, { key: 'email:work', label: 'Email (work)' },
      { key: 'address:work.city', label: 'Work address: city' }, { key: 'notes', label: 'Notes' }, { key: 'ignore', label: 'Ignore' },
    ], ['custom:Budget', 'given']);
    expect(groups.map((g) => g.label)).toEqual(['Name', 'Phone', 'Email', 'Address', 'Custom fields', 'Other']);
    expect(groups.find((g) => g.label === 'Custom fields')?.targets).toEqual([{ key: 'custom:Budget', label: 'custom:Budget' }]);
    expect(groups.flatMap((g) => g.targets).filter((t) => t.key === 'given')).toHaveLength(1);
    expect(['phone[2].label', 'company', 'organization[1].title', 'birthday', 'date:anniversary', 'social:linkedin', 'custom_fields', 'note_line']
      .map(targetFamily)).toEqual(['phone', 'organization', 'organization', 'date', 'date', 'social', 'custom', 'other']);
  });
});

describe('preview pages', () => {
  test('page through the rows and never past either end', () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(41, 20)).toBe(3);
    expect(clampPage(7, 41, 20)).toBe(2);
    expect(clampPage(-1, 41, 20)).toBe(0);
    expect(pageOffset(2, 41, 20)).toBe(40);
    expect(pageLabel(1, 41, 20)).toBe('Rows 21–40 of 41');
    expect(pageLabel(2, 41, 20)).toBe('Rows 41–41 of 41');
    expect(pageLabel(0, 0, 20)).toBe('No rows');
  });

  test('a row shows the mapped fields in the mapping order, without ignored columns', () => {
    const mapping = withTarget(mappingOf(columns), 0, 'full_name');
    expect(previewTargets(columns, mapping, [row(2, { values: { tags: 'fair', given: 'x' } })])).toEqual(['full_name', 'phone:mobile', 'company', 'given', 'tags']);
  });

  test('each problem is put on the field its column feeds, the rest on the row', () => {
    const mapping = mappingOf(columns);
    const shown = previewTargets(columns, mapping);
    const bad = row(3, {
      problems: [
        { column: 'Mobile', field: 'phones[0].e164', code: 'phone_not_e164', message: '12 cannot become a phone number' },
        { column: null, field: 'name', code: 'missing_name', message: 'No name' },
        { column: 'Fax', field: 'notes', code: 'too_long', message: 'Too long' },
      ],
    });
    const placed = placeProblems(bad, columns, mapping, shown);
    expect(placed.byTarget.get('phone:mobile')?.map((p) => p.code)).toEqual(['phone_not_e164']);
    expect(placed.other.map((p) => p.code)).toEqual(['missing_name', 'too_long']);
  });

  test('a reason does not repeat the field it is shown beside', () => {
    expect(problemText({ column: 'Mobile', field: 'phones[0].e164', code: 'phone_invalid', message: 'phones[0].e164: "12" is not a valid phone number in JP' }))
      .toBe('"12" is not a valid phone number in JP');
    expect(problemText({ column: null, field: 'name', code: 'x', message: 'A name is needed' })).toBe('A name is needed');
  });

  test('values read as text', () => {
    expect(valueText(['a', '', 'b'])).toBe('a; b');
    expect(valueText(null)).toBe('');
    expect(valueText('x')).toBe('x');
  });
});

describe('choosing rows', () => {
  const all = [2, 3, 4, 5];
  test('unticking a row from "every row" lists the others; ticking it back is every row again', () => {
    const lines = toggleLine(null, all, 3, false);
    expect(lines).toEqual([2, 4, 5]);
    expect(toggleLine(lines, all, 3, true)).toBeNull();
    expect(toggleLine([2], all, 5, true)).toEqual([2, 5]);
  });

  test('a row is imported when chosen, valid, and not a duplicate being skipped', () => {
    expect(wouldImport(row(2), 'merge')).toBe(true);
    expect(wouldImport(row(2, { selected: false }), 'merge')).toBe(false);
    expect(wouldImport(row(2, { duplicate_of: 'c1' }), 'skip')).toBe(false);
    expect(wouldImport(row(2, { duplicate_of: 'c1' }), 'replace')).toBe(true);
    expect(wouldImport(row(2, { problems: [{ column: null, field: 'name', code: 'x', message: 'x' }] }), 'merge')).toBe(false);
  });

  test('tags are typed separated by commas', () => {
    expect(parseTags(' fair 2026, leads,, fair 2026 ')).toEqual(['fair 2026', 'leads']);
  });
});

describe('the result', () => {
  test('counts merged and replaced rows as imported, and names only what happened', () => {
    expect(resultLine(job())).toBe('8 of 10 imported');
    expect(outcomeParts(job())).toEqual(['6 new', '1 merged', '1 replaced', '2 not imported']);
    expect(percent(5, 10)).toBe(50);
    expect(percent(11, 10)).toBe(100);
    expect(percent(0, 0)).toBe(0);
  });
});

describe('files', () => {
  test('the saved name comes from Content-Disposition, never a path', () => {
    expect(dispositionName('attachment; filename="rolo-sample.csv"', 'x')).toBe('rolo-sample.csv');
    expect(dispositionName("attachment; filename*=UTF-8''%E5%90%8D%E7%B0%BF.csv", 'x')).toBe('名簿.csv');
    expect(dispositionName('attachment; filename="../../etc/passwd"', 'x')).toBe('passwd');
    expect(dispositionName(null, 'errors')).toBe('errors');
  });

  test('an export asks for the vCard version only for vCard', () => {
    expect(exportQuery('csv', 4)).toBe('format=csv');
    expect(exportQuery('vcard', 4, { q: 'sato', tag: 'fair' })).toBe('format=vcard&vcard_version=4&q=sato&tag=fair');
  });
});
