// One story per test, each waiting on what a rep would see (a row, a badge), never a timer.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { addContact, allSent, company, launch, live, member, phone, row, shot, signIn, url } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

test('offline edits from two phones both survive', async () => {
  const owner = await company('Mina');
  const a = await phone(browser);
  const b = await phone(browser);
  await signIn(a.page, owner, 'signin.png');
  await signIn(b.page, owner);
  await addContact(a.page, 'Astrid', 'Berg', { phone: '070 123 45 67', company: 'Nordkap Instrument AB' });
  await allSent(a.page);
  await b.page.goto('/#/');
  await row(b.page, 'Astrid Berg').waitFor();

  // Phone A loses its signal and edits the notes; phone B, online, changes the company.
  await a.context.setOffline(true);
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  await a.page.getByTestId('edit-contact').click();
  await a.page.getByLabel('Notes').fill('Wants the spring price list');
  await a.page.getByTestId('save').click();
  await a.page.getByTestId('contact-pending').waitFor();
  expect(await a.page.getByTestId('pending').getAttribute('data-count')).toBe('1');

  await row(b.page, 'Astrid Berg').click();
  await b.page.getByTestId('edit-contact').click();
  await b.page.getByLabel('Company', { exact: true }).fill('Nordkap Marine AB');
  await b.page.getByTestId('save').click();
  await allSent(b.page);

  // A comes back: both edits are on both phones.
  await a.context.setOffline(false);
  await live(a.page);
  await allSent(a.page);
  await a.page.locator('.fields', { hasText: 'Nordkap Marine AB' }).waitFor();
  await expect.poll(() => a.page.getByTestId('contact-notes').textContent()).toBe('Wants the spring price list');
  await b.page.getByTestId('contact-notes').filter({ hasText: 'Wants the spring price list' }).waitFor();
  await b.page.locator('.fields', { hasText: 'Nordkap Marine AB' }).waitFor();
  await shot(a.page, 'contact.png');
  await a.context.close();
  await b.context.close();
});

test('a reload with the network cut shows every contact and the queued edit, which syncs when the network returns', async () => {
  const owner = await company('Jonas');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await addContact(a.page, 'Liv', 'Ek', { company: 'Solna Verktyg' });
  await addContact(a.page, 'Pekka', 'Virtanen', { phone: '070 555 01 32', company: 'Oulu Metsä Oy' });
  await addContact(a.page, 'Aiko', 'Sato', { company: 'Yamata Keiki' });
  await allSent(a.page);
  // The service worker holds the shell before the network goes.
  await a.page.evaluate(async () => { await navigator.serviceWorker.ready; });

  await a.context.setOffline(true);
  await a.page.goto('/#/');
  await row(a.page, 'Liv Ek').click();
  await a.page.getByTestId('edit-contact').click();
  await a.page.getByLabel('Notes').fill('Call back after the trade fair');
  await a.page.getByTestId('save').click();
  await a.page.getByTestId('contact-pending').waitFor();

  await a.page.reload();
  await a.page.goto('/#/');
  for (const name of ['Liv Ek', 'Pekka Virtanen', 'Aiko Sato']) await row(a.page, name).waitFor();
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  expect(await a.page.getByTestId('pending').getAttribute('data-count')).toBe('1');
  await row(a.page, 'Liv Ek').locator('[data-testid=row-pending]').waitFor();
  await shot(a.page, 'list-offline.png');

  // Offline search works from the device's own copy.
  await a.page.getByTestId('search').fill('virt');
  await row(a.page, 'Pekka Virtanen').waitFor();
  expect(await a.page.getByTestId('contact-row').count()).toBe(1);
  await a.page.getByTestId('search').fill('');

  await a.context.setOffline(false);
  await live(a.page);
  await allSent(a.page);
  await shot(a.page, 'list.png');

  // A fresh phone of the same rep receives the edit from the server.
  const b = await phone(browser);
  await signIn(b.page, owner);
  await row(b.page, 'Liv Ek').click();
  await b.page.getByTestId('contact-notes').filter({ hasText: 'Call back after the trade fair' }).waitFor();
  await a.context.close();
  await b.context.close();
});

test('a member never sees a contact not shared with them', async () => {
  const owner = await company('Signe');
  const rep = await member(owner, 'Otto');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await addContact(a.page, 'Public', 'Customer', { company: 'Open Books AB' });
  await addContact(a.page, 'Secret', 'Prospect', { company: 'Hidden Deals AB', private: true });
  await allSent(a.page);

  const b = await phone(browser);
  await signIn(b.page, rep);
  await row(b.page, 'Public Customer').waitFor();
  expect(await row(b.page, 'Secret Prospect').count()).toBe(0);
  await b.page.getByTestId('search').fill('secret');
  await b.page.getByTestId('result-count').filter({ hasText: '0 contacts' }).waitFor();
  // Not by its address either: the device never received it.
  const ids = await a.page.evaluate(() => location.hash);
  await b.page.goto(`/${ids}`);
  await b.page.getByText('This contact is not on this device').waitFor();
  await a.context.close();
  await b.context.close();
});

test('a bad phone number is flagged on the device before any sync', async () => {
  const owner = await company('Harald');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await a.context.setOffline(true);
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  await a.page.getByTestId('add-contact').click();
  await a.page.getByLabel('Given name', { exact: true }).fill('Greta');
  await a.page.getByLabel('Family name', { exact: true }).fill('Holm');
  await a.page.getByTestId('add-phones').click();
  await a.page.getByLabel('Number').fill('12');
  const problem = a.page.locator('[data-testid=problem][data-field^="phones[0]"]');
  await problem.waitFor();
  expect(await a.page.getByTestId('save').isDisabled()).toBe(true);
  await problem.scrollIntoViewIfNeeded();
  await shot(a.page, 'edit.png');
  // Nothing was saved or queued.
  expect(await a.page.getByTestId('pending').getAttribute('data-count')).toBe('0');

  await a.page.getByLabel('Number').fill('070 123 45 67');
  await problem.waitFor({ state: 'detached' });
  await a.page.getByTestId('save').click();
  await a.page.getByTestId('contact-pending').waitFor();
  await a.context.close();
});

test('history restores a field, the shelves hold archived and trashed contacts, and a teammate editing shows', async () => {
  const owner = await company('Mina');
  const a = await phone(browser);
  const b = await phone(browser);
  await signIn(a.page, owner);
  await signIn(b.page, owner);
  await addContact(a.page, 'Nils', 'Strand', { company: 'Vasa Logistik', notes: 'Prefers mornings' });
  await a.page.getByTestId('edit-contact').click();
  await a.page.getByLabel('Notes').fill('Prefers afternoons');
  await a.page.getByTestId('save').click();
  await allSent(a.page);

  // Phone B opens the contact for editing: phone A, looking at it, sees who.
  await row(b.page, 'Nils Strand').click();
  const contactUrl = await b.page.evaluate(() => location.hash);
  await a.page.goto(`/${contactUrl}`);
  await b.page.getByTestId('edit-contact').click();
  await a.page.getByTestId('presence').filter({ hasText: 'Mina is editing' }).waitFor();
  await b.page.goto('/#/');

  // History: the notes' change, restored as they were after the first revision.
  await a.page.getByTestId('history').click();
  await a.page.getByTestId('revision').first().waitFor();
  await shot(a.page, 'history.png');
  const first = a.page.getByTestId('revision').last();
  await first.getByRole('button', { name: 'Restore notes as it was after this change' }).click();
  await a.page.getByTestId('restored').waitFor();
  await a.page.goto(`/${contactUrl}`);
  await a.page.getByTestId('contact-notes').filter({ hasText: 'Prefers mornings' }).waitFor();

  // Archive, then trash and restore: the contact moves between the list's shelves.
  await a.page.getByTestId('archive').click();
  await a.page.getByText('Archived.').waitFor();
  await a.page.goto('/#/');
  await a.page.getByTestId('result-count').waitFor();
  expect(await row(a.page, 'Nils Strand').count()).toBe(0);
  await a.page.getByTestId('filter-shelf').selectOption('archived');
  await row(a.page, 'Nils Strand').click();
  await a.page.getByTestId('archive').click();
  await a.page.getByText('Archived.').waitFor({ state: 'detached' });
  await a.page.getByTestId('trash').click();
  await a.page.getByTestId('filter-shelf').selectOption('trash');
  await row(a.page, 'Nils Strand').click();
  await a.page.getByTestId('restore').click();
  await a.page.goto('/#/');
  await row(a.page, 'Nils Strand').waitFor();
  await allSent(a.page);
  await a.context.close();
  await b.context.close();
});

test('sharing a private contact with a group shows it on a member\'s phone at once', async () => {
  const owner = await company('Ingrid');
  const rep = await member(owner, 'Otto');
  const a = await phone(browser);
  const b = await phone(browser);
  await signIn(a.page, owner);
  await signIn(b.page, rep);

  // The owner makes a group with Otto in it, on the admin screens.
  await a.page.goto('/#/members');
  await a.page.getByText('Otto').first().waitFor();
  await a.page.getByRole('link', { name: 'Groups and units' }).click();
  await a.page.getByLabel('New group').fill('Nordic key accounts');
  await a.page.getByRole('button', { name: 'Create group' }).click();
  await a.page.getByLabel('Add a member to Nordic key accounts').selectOption({ label: 'Otto' });
  await a.page.getByRole('button', { name: 'Remove Otto from Nordic key accounts' }).waitFor();
  await shot(a.page, 'directory.png');

  await addContact(a.page, 'Kari', 'Nordmann', { company: 'Bergen Fisk AS', private: true });
  await allSent(a.page);
  await a.page.getByTestId('share').waitFor(); // the grant came back: this phone knows it owns it
  expect(await row(b.page, 'Kari Nordmann').count()).toBe(0);

  await a.page.getByTestId('share').click();
  await a.page.getByLabel('Only the owner and these people').check();
  await a.page.getByLabel('Group: Nordic key accounts').check();
  await a.page.getByRole('button', { name: 'Save sharing' }).click();
  await a.page.getByText('Saved.').waitFor();
  await shot(a.page, 'sharing.png');

  // Otto's phone, live, receives the contact without doing anything.
  await row(b.page, 'Kari Nordmann').waitFor();
  await a.context.close();
  await b.context.close();
});

test('a card photographed offline is read when back online and becomes a saved contact with its image', async () => {
  const owner = await company('Mina');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await a.page.getByTestId('scan-card').click();
  await a.context.setOffline(true);
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  const photo = fileURLToPath(new URL('../../fixtures/cards/synthetic/en-01.jpg', import.meta.url));
  await a.page.getByTestId('card-photo').setInputFiles(photo);
  await a.page.locator('[data-testid=card][data-status=waiting]').waitFor();

  await a.context.setOffline(false);
  await a.page.getByTestId('review-card').click({ timeout: 60_000 });
  await a.page.getByText('Brightwell Analytics Inc.').waitFor();
  await shot(a.page, 'card-review.png');
  await a.page.getByTestId('save-card').click();
  await a.page.getByTestId('contact-name').filter({ hasText: 'Aiko Sato' }).waitFor();
  await a.page.getByTestId('card-image').waitFor();
  await allSent(a.page);
  await shot(a.page, 'card-contact.png');
  await a.context.close();
});

test('owners and admins deactivate, reactivate and change members, and a refusal is shown as the server says it', async () => {
  const owner = await company('Ingrid');
  const otto = await member(owner, 'Otto');
  await member(owner, 'Petra');
  const a = await phone(browser);
  const b = await phone(browser);
  for (const p of [a, b]) p.page.on('dialog', (dialog) => void dialog.accept());
  await signIn(a.page, owner);
  await signIn(b.page, otto);
  const person = (page: typeof a.page, name: string) => page.locator(`[data-testid=member][data-name="${name}"]`);

  // The owner makes Otto an admin; Otto, an admin now, deactivates Petra.
  await a.page.goto('/#/members');
  await a.page.getByRole('button', { name: 'Make Otto an admin' }).click();
  await person(a.page, 'Otto').getByTestId('member-role').filter({ hasText: 'admin' }).waitFor();
  await b.page.goto('/#/members');
  expect(await b.page.getByRole('button', { name: /^Make / }).count()).toBe(0); // only the owner changes roles
  await b.page.getByRole('button', { name: 'Deactivate Petra' }).click();
  await person(b.page, 'Petra').getByTestId('deactivated').waitFor();
  expect(await b.page.getByRole('button', { name: 'Deactivate Ingrid' }).count()).toBe(0); // never the owner

  // The owner sees who is deactivated.
  await a.page.reload();
  await person(a.page, 'Petra').getByTestId('deactivated').waitFor();
  await shot(a.page, 'members.png');

  // The owner makes Otto a member again; Otto's screen, out of date, still offers to
  // reactivate Petra: the server refuses, and says why.
  await a.page.getByRole('button', { name: 'Make Otto a member' }).click();
  await person(a.page, 'Otto').getByTestId('member-role').filter({ hasText: 'member' }).waitFor();
  await b.page.getByRole('button', { name: 'Reactivate Petra' }).click();
  await b.page.getByTestId('members-message').filter({ hasText: 'Refused: only the owner and admins can change members' }).waitFor();
  await person(b.page, 'Petra').getByTestId('deactivated').waitFor();

  // The owner reactivates her.
  await a.page.getByRole('button', { name: 'Reactivate Petra' }).click();
  await person(a.page, 'Petra').and(a.page.locator('[data-active=true]')).waitFor();
  await a.context.close();
  await b.context.close();
});

test('activity logged on a contact, offline too, is listed newest first on both phones', async () => {
  const owner = await company('Mina');
  const a = await phone(browser);
  const b = await phone(browser);
  await signIn(a.page, owner);
  await signIn(b.page, owner);
  await addContact(a.page, 'Saga', 'Lund', { company: 'Malmö Kaffe AB' });
  await a.page.getByText('Nothing logged yet.').waitFor();

  // A visit last week, logged with its time; then, with no signal, a call just now.
  await a.page.getByTestId('activity-kind').selectOption('visit');
  await a.page.getByTestId('activity-at').fill('2026-03-02T10:00');
  await a.page.getByTestId('activity-text').fill('Met at the Malmö trade fair');
  await a.page.getByRole('button', { name: 'Log' }).click();
  await a.page.getByTestId('activity').filter({ hasText: 'Met at the Malmö trade fair' }).waitFor();
  await allSent(a.page);
  await a.context.setOffline(true);
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  await a.page.getByTestId('activity-kind').selectOption('call');
  await a.page.getByTestId('activity-text').fill('Sent the spring price list');
  await a.page.getByRole('button', { name: 'Log' }).click();
  await a.page.getByTestId('contact-pending').waitFor();
  const order = (page: typeof a.page) => page.getByTestId('activity').evaluateAll((items) => items.map((i) => i.getAttribute('data-kind')));
  expect(await order(a.page)).toEqual(['call', 'visit']);
  await expect.poll(() => a.page.getByTestId('activity').first().locator('.activity-when').textContent()).toContain('Mina');

  await a.context.setOffline(false);
  await live(a.page);
  await allSent(a.page);
  await row(b.page, 'Saga Lund').click();
  await b.page.getByTestId('activity').filter({ hasText: 'Sent the spring price list' }).waitFor();
  expect(await order(b.page)).toEqual(['call', 'visit']);
  await b.page.getByTestId('activity').filter({ hasText: '2026-03-02 10:00' }).waitFor();
  await b.page.getByRole('region', { name: 'Activity' }).scrollIntoViewIfNeeded();
  await shot(b.page, 'activity.png');
  await a.context.close();
  await b.context.close();
});

test('custom fields of every type are edited on the phone and read back by the server as typed', async () => {
  const owner = await company('Jonas');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await addContact(a.page, 'Elin', 'Holm', { company: 'Göta Kran AB' });
  const contactId = (await a.page.evaluate(() => location.hash)).replace('#/c/', '');
  await a.page.getByTestId('edit-contact').click();
  const addField = async (name: string, kind: string) => {
    await a.page.getByLabel('New field (name)').fill(name);
    await a.page.getByTestId('new-field-kind').selectOption(kind);
    await a.page.getByRole('button', { name: 'Add field' }).click();
  };
  await addField('Account number', 'text');
  await a.page.getByLabel('Account number', { exact: true }).fill('NK-0042');
  await addField('Budget', 'number');
  await a.page.getByLabel('Budget', { exact: true }).fill('lots');
  await a.page.locator('[data-testid=problem][data-field=\'custom["Budget"]\']').waitFor();
  expect(await a.page.getByTestId('save').isDisabled()).toBe(true);
  await a.page.getByLabel('Budget', { exact: true }).fill('12 000.5');
  await addField('Key account', 'bool');
  await a.page.getByLabel('Key account', { exact: true }).check();
  await addField('Renewal', 'date');
  await a.page.getByLabel('Renewal', { exact: true }).fill('2026-02-30');
  await a.page.locator('[data-testid=problem][data-field=\'custom["Renewal"]\']').waitFor();
  await a.page.getByLabel('Renewal', { exact: true }).fill('2026-09-30');
  await a.page.getByTestId('problem').first().waitFor({ state: 'detached' });
  await a.page.locator('fieldset', { hasText: 'Custom fields' }).scrollIntoViewIfNeeded();
  await shot(a.page, 'custom-fields.png');
  await a.page.getByTestId('save').click();

  const value = (name: string) => a.page.locator(`[data-testid=custom-value][data-name="${name}"] dd`).textContent();
  await a.page.getByTestId('contact-name').waitFor();
  expect(await value('Account number')).toBe('NK-0042');
  expect(await value('Budget')).toBe('12,000.5');
  expect(await value('Key account')).toBe('yes');
  expect(await value('Renewal')).toBe('2026-09-30');
  await allSent(a.page);

  // The server reads each value as its own type: the document was written as sync-core lays it out.
  const response = await fetch(`${url()}/v1/contacts/${contactId}`, { headers: { authorization: `Bearer ${owner.token}` } });
  const stored = (await response.json()) as { custom: Record<string, unknown> };
  expect(stored.custom).toEqual({
    'Account number': { text: 'NK-0042' }, Budget: { number: 12000.5 }, 'Key account': { bool: true }, Renewal: { date: '2026-09-30' },
  });

  // Edited again: the yes/no unticked, the date without a year.
  await a.page.getByTestId('edit-contact').click();
  await a.page.getByLabel('Key account', { exact: true }).uncheck();
  await a.page.getByLabel('Renewal', { exact: true }).fill('--09-30');
  await a.page.getByTestId('save').click();
  await a.page.getByTestId('contact-name').waitFor();
  await expect.poll(() => value('Key account')).toBe('no');
  expect(await value('Renewal')).toBe('--09-30');
  await a.context.close();
});

test('a teammate viewing or editing a contact shows on its row in the list', async () => {
  const owner = await company('Mina');
  const otto = await member(owner, 'Otto');
  const a = await phone(browser);
  const b = await phone(browser);
  await signIn(a.page, owner);
  await signIn(b.page, otto);
  await addContact(a.page, 'Tove', 'Alm', { company: 'Umeå Trä AB' });
  await addContact(a.page, 'Rasmus', 'Dahl', { company: 'Luleå Stål AB' });
  await allSent(a.page);
  await a.page.goto('/#/');
  const presence = (name: string) => row(a.page, name).getByTestId('row-presence');

  await row(b.page, 'Tove Alm').click();
  await presence('Tove Alm').filter({ hasText: 'Otto is viewing' }).waitFor();
  await b.page.getByTestId('edit-contact').click();
  await presence('Tove Alm').filter({ hasText: 'Otto is editing' }).waitFor();
  expect(await presence('Rasmus Dahl').count()).toBe(0);
  await shot(a.page, 'list-presence.png');

  // Otto leaves: the row shows the company again.
  await b.page.goto('/#/');
  await presence('Tove Alm').waitFor({ state: 'detached' });
  await row(a.page, 'Tove Alm').getByText('Umeå Trä AB').waitFor();
  await a.context.close();
  await b.context.close();
});

test('an edit queued offline to a contact deleted for good meanwhile is refused, and the rep is told why', async () => {
  const owner = await company('Mina');
  const a = await phone(browser);
  await signIn(a.page, owner);
  await addContact(a.page, 'Hugo', 'Falk', { company: 'Visby Bryggeri AB' });
  await addContact(a.page, 'Alva', 'Berg', { company: 'Kalmar Glas AB' });
  await allSent(a.page);
  await a.page.goto('/#/');
  await row(a.page, 'Hugo Falk').click();
  const contactId = (await a.page.evaluate(() => location.hash)).replace('#/c/', '');

  // No signal: the notes are edited and wait on the phone.
  await a.context.setOffline(true);
  await a.page.locator('[data-testid=sync-status][data-state=offline]').waitFor();
  await a.page.getByTestId('edit-contact').click();
  await a.page.getByLabel('Notes').fill('Bring the signed offer');
  await a.page.getByTestId('save').click();
  await a.page.getByTestId('contact-pending').waitFor();

  // Meanwhile the contact is deleted for good, over REST.
  const purged = await fetch(`${url()}/v1/contacts/${contactId}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner.token}` } });
  expect(purged.status).toBe(204);

  // Back online: the server refuses the edit once (not_found), and the phone says so.
  await a.context.setOffline(false);
  await live(a.page);
  const notice = a.page.locator('[data-testid=refused-edit][data-code=not_found]');
  await notice.filter({ hasText: 'Your changes to Hugo Falk were not saved' }).waitFor();
  await allSent(a.page);
  await a.page.goto('/#/');
  await row(a.page, 'Alva Berg').waitFor();
  expect(await row(a.page, 'Hugo Falk').count()).toBe(0);
  await notice.waitFor();
  await shot(a.page, 'refused.png');

  // It survives a reload, and goes when dismissed.
  await a.page.reload();
  await notice.waitFor();
  expect(await a.page.getByTestId('refused-edit').count()).toBe(1);
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
  await a.page.reload();
  await row(a.page, 'Alva Berg').waitFor();
  expect(await a.page.getByTestId('refused-edit').count()).toBe(0);
  await a.context.close();
});
