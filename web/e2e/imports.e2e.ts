// Import and export through the screens, against the real server: one story per test, each
// waiting on what a rep would see (a marked field, the result line, a file downloaded).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Download, Page } from 'playwright-core';
import { addContact, allSent, company, launch, phone, row, shot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Fictional people of a fictional company; the middle row's mobile cannot be a phone number. */
const PEOPLE = [
  'Given,Family,Mobile,Email',
  'Astrid,Berg,070 123 45 67,astrid@nordkap.example',
  'Nils,Holm,12,nils@nordkap.example',
  'Liv,Ek,070 555 01 32,liv@solna.example',
].join('\n') + '\n';

/** Clicks `testid` and returns the file the page downloads. */
async function downloadBy(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]) as [Download, void];
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

async function mapColumn(page: Page, column: string, target: string): Promise<void> {
  const select = page.locator(`[data-testid=mapping-row][data-column="${column}"] select`);
  if ((await select.inputValue()) !== target) await select.selectOption(target);
  await expect.poll(() => select.inputValue()).toBe(target);
}

test('a CSV with a bad row: the field is marked with its reason, the rest imported, the error file downloaded', async () => {
  const owner = await company('Sara');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await a.page.getByTestId('open-import').click();

  const sample = await downloadBy(a.page, 'sample-csv');
  expect(sample.name).toMatch(/\.csv$/);
  expect(sample.bytes.toString('utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);

  await a.page.getByTestId('import-file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(PEOPLE) });
  await a.page.getByTestId('import-summary').filter({ hasText: '3 rows' }).waitFor();
  await mapColumn(a.page, 'Given', 'given');
  await mapColumn(a.page, 'Family', 'family');
  await mapColumn(a.page, 'Mobile', 'phone:mobile');
  await mapColumn(a.page, 'Email', 'email:work');

  // The bad row says which field and why; the good ones have no problem.
  const bad = a.page.locator('[data-testid=import-row][data-valid=false]');
  await bad.waitFor();
  expect(await a.page.locator('[data-testid=import-row]').count()).toBe(3);
  expect(await bad.count()).toBe(1);
  expect(await bad.getAttribute('data-line')).toBe('3');
  const marked = bad.locator('[data-testid=row-problem]');
  expect(await marked.locator('dd').textContent()).toContain('12');
  expect((await marked.getByTestId('problem-reason').textContent())?.length).toBeGreaterThan(3);
  await bad.scrollIntoViewIfNeeded();
  await shot(a.page, 'import-preview.png');

  // Every imported contact gets the batch's tag.
  await a.page.getByTestId('import-tags').fill('spring fair');
  await a.page.getByTestId('import-tags').press('Tab');
  await expect.poll(() => a.page.getByTestId('import-tags').isEnabled()).toBe(true);
  await a.page.getByTestId('start-import').click();
  await a.page.locator('[data-testid=import-result][data-state=done]').filter({ hasText: '2 of 3 imported' }).waitFor({ timeout: 30_000 });
  expect(await a.page.getByTestId('import-outcome').textContent()).toContain('1 not imported');
  await shot(a.page, 'import-result.png');

  const errors = await downloadBy(a.page, 'download-errors');
  const text = errors.bytes.toString('utf8');
  expect(text).toContain('Holm');
  expect(text).not.toContain('Astrid');

  // The imported contacts reach the phone through the feed.
  await a.page.getByTestId('import-done').click();
  await row(a.page, 'Astrid Berg').waitFor();
  await row(a.page, 'Liv Ek').waitFor();
  expect(await row(a.page, 'Nils Holm').count()).toBe(0);
  await a.page.getByTestId('filter-tag').selectOption('spring fair');
  await a.page.getByTestId('result-count').filter({ hasText: '2 contacts' }).waitFor();
  await a.context.close();
});

test('the list exports all, the selected and the filtered contacts, as CSV, Excel and vCard', async () => {
  const owner = await company('Otto');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await addContact(a.page, 'Pekka', 'Virtanen', { company: 'Oulu Metsä Oy' });
  await addContact(a.page, 'Aiko', 'Sato', { company: 'Yamata Keiki' });
  await allSent(a.page);
  await a.page.goto('/#/');

  await a.page.getByTestId('export-contacts').click();
  expect(await a.page.getByTestId('export-all').isChecked()).toBe(true);
  const csv = await downloadBy(a.page, 'export-download');
  expect(csv.bytes.toString('utf8')).toContain('Virtanen');
  expect(csv.bytes.toString('utf8')).toContain('Sato');
  await a.page.getByTestId('export-format').selectOption('xlsx');
  const xlsx = await downloadBy(a.page, 'export-download');
  expect(xlsx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  await shot(a.page, 'export.png');
  await a.page.getByRole('button', { name: 'Close' }).click();

  // One contact ticked: a vCard of that one.
  await a.page.getByTestId('select-contacts').click();
  await a.page.getByLabel('Select Aiko Sato').check();
  await a.page.getByTestId('export-contacts').click();
  expect(await a.page.getByTestId('export-selected').isChecked()).toBe(true);
  await a.page.getByTestId('export-format').selectOption('vcard');
  const vcard = (await downloadBy(a.page, 'export-download')).bytes.toString('utf8');
  expect(vcard.match(/BEGIN:VCARD/g)?.length).toBe(1);
  expect(vcard).toContain('Sato');
  expect(vcard).toContain('VERSION:3.0');
  await a.page.getByRole('button', { name: 'Close' }).click();
  await a.page.getByTestId('select-contacts').click();

  // A search: the contacts it shows.
  await a.page.getByTestId('search').fill('virtanen');
  await a.page.getByTestId('result-count').filter({ hasText: '1 contact' }).waitFor();
  await a.page.getByTestId('export-contacts').click();
  expect(await a.page.getByTestId('export-shown').isChecked()).toBe(true);
  await a.page.getByTestId('export-format').selectOption('vcard');
  await a.page.getByTestId('export-vcard-version').selectOption('4');
  const shown = (await downloadBy(a.page, 'export-download')).bytes.toString('utf8');
  expect(shown).toContain('Virtanen');
  expect(shown).not.toContain('Sato');
  expect(shown).toContain('VERSION:4.0');
  await a.context.close();
});

/** The test mail server the Rust harness starts (Debian's Dovecot, with fictional mail), if any:
 * its port and login; the server trusts its CA through ROLO_IMAP_CA_FILE. */
const IMAP = process.env.ROLO_TEST_IMAP_PORT
  ? { port: process.env.ROLO_TEST_IMAP_PORT, user: process.env.ROLO_TEST_IMAP_USER ?? '', password: process.env.ROLO_TEST_IMAP_PASSWORD ?? '' }
  : null;

test.skipIf(IMAP === null)('a mailbox: sign in over IMAP, pick a folder and a sender domain, preview the correspondents, import them', async () => {
  const imap = IMAP!;
  const owner = await company('Mina');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await a.page.getByTestId('open-import').click();
  await a.page.getByTestId('import-from-mailbox').click();

  const login = a.page.getByRole('region', { name: 'Import from a mailbox' });
  await login.getByLabel('Server').fill('127.0.0.1');
  await login.getByLabel('Port').fill(imap.port);
  await login.getByLabel('User').fill(imap.user);
  await login.getByLabel('Mailbox password').fill('not the password');
  await a.page.getByTestId('mailbox-folders').click();
  // A wrong password is said in words the rep can act on, and nothing is read.
  await a.page.getByTestId('import-error').waitFor();
  expect((await a.page.getByTestId('import-error').textContent())?.toLowerCase()).toContain('password');

  await login.getByLabel('Mailbox password').fill(imap.password);
  await a.page.getByTestId('mailbox-folders').click();
  const folder = a.page.getByTestId('mailbox-folder');
  await folder.waitFor();
  expect(await folder.inputValue()).toBe('INBOX');
  await login.getByLabel('Only addresses at this domain').fill('yamato-shoji.example');
  await a.page.getByTestId('mailbox-read').click();

  // The preview: only the correspondents at that domain, each a row with its address.
  await a.page.getByTestId('import-summary').waitFor({ timeout: 30_000 });
  const rows = a.page.locator('[data-testid=import-row]');
  await rows.first().waitFor();
  const text = (await rows.allTextContents()).join('\n');
  expect(text).toContain('taro.yamada@yamato-shoji.example');
  expect(text).not.toContain('kitakaze');
  const count = await rows.count();
  await shot(a.page, 'import-mailbox-preview.png');

  await a.page.getByTestId('start-import').click();
  await a.page.locator('[data-testid=import-result][data-state=done]').filter({ hasText: `${count} of ${count} imported` }).waitFor({ timeout: 30_000 });

  await a.page.getByTestId('import-done').click();
  await a.page.getByTestId('search').fill('taro.yamada');
  await a.page.getByTestId('result-count').filter({ hasText: '1 contact' }).waitFor();
  await a.context.close();
});
