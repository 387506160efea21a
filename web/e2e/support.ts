// What every story needs: Debian's Chromium (never a downloaded browser), a phone-sized
// context, a company of fictional people made over REST, signing in through the screens, and
// screenshots at 390 × 844 into docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const url = (): string => inject('roloUrl');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface Phone {
  context: BrowserContext;
  page: Page;
}

/** A phone: its own browser context (its own IndexedDB, service worker and network). */
export async function phone(browser: Browser): Promise<Phone> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, baseURL: url() });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return { context, page };
}

let companies = 0;

export interface Account {
  email: string;
  password: string;
  token: string;
  member: string;
}

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url() + path, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A new company whose owner is a fictional rep. */
export async function company(owner: string): Promise<Account> {
  const n = ++companies;
  const email = `${owner.toLowerCase()}.${Date.now()}.${n}@fjord-trading.example`;
  const password = 'correct horse battery staple';
  const session = await post<{ access_token: string; member: string }>('/v1/signup', { company: `Fjord Trading ${n}`, name: owner, email, password, region: 'SE', device_name: 'e2e setup' });
  return { email, password, token: session.access_token, member: session.member };
}

/** Invites a member to the owner's company and accepts for them. */
export async function member(owner: Account, name: string, role: 'member' | 'admin' = 'member'): Promise<Account> {
  const email = `${name.toLowerCase()}.${Date.now()}@fjord-trading.example`;
  const invited = await post<{ invite_code: string }>('/v1/members', { email, name, role }, owner.token);
  const password = 'another horse battery';
  const session = await post<{ access_token: string; member: string }>('/v1/invitations/accept', { email, invite_code: invited.invite_code, password, device_name: 'e2e setup' });
  return { email, password, token: session.access_token, member: session.member };
}

export async function signIn(page: Page, account: Account, screenshot?: string): Promise<void> {
  await page.goto('/');
  // Before typing: the account's address is new on every run, the picture should not be.
  if (screenshot) await shot(page, screenshot);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  await live(page);
}

/** Waits until the status bar says the phone is caught up. */
export async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=sync-status][data-state=live]').waitFor({ timeout: 20_000 });
}

/** Waits until no edit is waiting to be sent. */
export async function allSent(page: Page): Promise<void> {
  await page.locator('[data-testid=pending][data-count="0"]').waitFor({ timeout: 20_000 });
}

export async function shot(page: Page, name: string): Promise<void> {
  const dir = new URL('../../docs/screenshots/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  // Times (the last sync, history and activity), ids and the stories' made-up addresses would make every run's pictures differ.
  await page.screenshot({ path: new URL(name, dir).pathname, animations: 'disabled', caret: 'hide', mask: [page.locator('[data-testid=last-synced], time, [data-testid=contact-id], [data-testid=member-email]')], maskColor: '#e5e7eb' });
}

export function row(page: Page, name: string) {
  return page.locator(`[data-testid=contact-row][data-name="${name}"]`);
}

/** Adds a contact through the edit screen. */
export async function addContact(page: Page, given: string, family: string, fields: { phone?: string; company?: string; notes?: string; private?: boolean } = {}): Promise<void> {
  await page.goto('/#/');
  await page.getByTestId('add-contact').click();
  await page.getByLabel('Given name', { exact: true }).fill(given);
  await page.getByLabel('Family name', { exact: true }).fill(family);
  if (fields.phone) {
    await page.getByTestId('add-phones').click();
    await page.getByLabel('Number').fill(fields.phone);
  }
  if (fields.company) {
    await page.getByTestId('add-organizations').click();
    await page.getByLabel('Company', { exact: true }).fill(fields.company);
  }
  if (fields.notes) await page.getByLabel('Notes').fill(fields.notes);
  if (fields.private) await page.getByTestId('only-me').check();
  await page.getByTestId('save').click();
  await page.getByTestId('contact-name').filter({ hasText: `${given} ${family}` }).waitFor();
}
