// `npm run bench`: how the app does with 10,000 contacts, in real Chromium. Prints one line:
//   bench web: js_gzip_kb=… warm_list_ms=… first_search_ms=… full_sync_seconds=…
// js_gzip_kb: the gzipped JavaScript and WebAssembly the app loads. full_sync_seconds: a fresh
// phone, from "Sign in" to all 10,000 contacts (made over REST beforehand) on it and the status
// live. warm_list_ms: from a reload (shell cached by the service worker, the 10,000 contacts in
// IndexedDB) to the list drawn. first_search_ms: from typing a word to the list showing its
// matches. lighthouse_performance / lighthouse_accessibility: npm `lighthouse` (mobile profile)
// on the same Chromium, auditing the signed-in contact list.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, company, launch, live, phone, url, type Account } from './support.ts';

const GIVEN = ['Astrid', 'Liv', 'Pekka', 'Aiko', 'Nils', 'Greta', 'Otto', 'Signe', 'Jonas', 'Mara'];
const FAMILY = ['Berg', 'Ek', 'Virtanen', 'Sato', 'Strand', 'Holm', 'Lind', 'Dahl', 'Nyberg', 'Lindqvist'];

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);

/** Creates the fictional contacts over REST, 32 at a time. */
async function seed(owner: Account): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < CONTACTS; i = next++) {
      const response = await fetch(`${url()}/v1/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: { given: `${GIVEN[i % 10]}${i}`, family: FAMILY[Math.floor(i / 10) % 10] },
          phones: [{ label: 'work', number: `070-${1000000 + i}` }],
          emails: [{ label: 'work', address: `rep${i}@fjord-trading.example` }],
          organizations: [{ company: `Company ${i % 300}`, title: 'Buyer' }],
          tags: [`tag${i % 20}`],
        }),
      });
      if (!response.ok) throw new Error(`seeding contact ${i}: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** Lighthouse on the signed-in list: a persistent profile holds the session Lighthouse reuses. */
async function audit(owner: Account): Promise<{ performance: number; accessibility: number }> {
  const profile = mkdtempSync(join(tmpdir(), 'rolo-lighthouse-'));
  const port = 9300 + Math.floor(Math.random() * 500);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`],
    viewport: { width: 390, height: 844 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url());
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.locator('form button[type=submit]').click();
    // A full sync of its own first (as long as the one timed above).
    await page.getByTestId('result-count').filter({ hasText: `${CONTACTS} contacts` }).waitFor({ timeout: 300_000 });
    await live(page);
    const result = await lighthouse(`${url()}/`, {
      port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'],
      disableStorageReset: true, formFactor: 'mobile',
    });
    const categories = result?.lhr.categories;
    // The metrics behind the score, to see what to work on.
    const audits = result?.lhr.audits ?? {};
    console.log('lighthouse:', ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'speed-index', 'cumulative-layout-shift', 'interactive']
      .map((id) => `${id}=${audits[id]?.displayValue ?? '?'} (${audits[id]?.score ?? '?'})`).join(' '));
    return {
      performance: Math.round((categories?.performance?.score ?? 0) * 100),
      accessibility: Math.round((categories?.accessibility?.score ?? 0) * 100),
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('bench web', async () => {
  const dist = new URL('../dist/assets/', import.meta.url);
  const gzipped = readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'))
    .reduce((sum, f) => sum + gzipSync(readFileSync(new URL(f, dist))).length, 0);

  const owner = await company('Mina');
  const seeding = Date.now();
  await seed(owner);
  console.log(`seeded ${CONTACTS} contacts over REST in ${(Date.now() - seeding) / 1000} s`);
  const browser = await launch();
  const { page } = await phone(browser);
  page.on('console', (m) => console.log('page:', m.text()));
  const progress = setInterval(() => {
    void page.getByTestId('result-count').textContent().then((t) => console.log('progress', (Date.now() - started) / 1000, t)).catch(() => undefined);
  }, 5000);
  await page.goto('/');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  const started = Date.now();
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('result-count').filter({ hasText: `${CONTACTS} contacts` }).waitFor({ timeout: 300_000 });
  await live(page);
  const fullSync = (Date.now() - started) / 1000;
  clearInterval(progress);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });

  let warm = Infinity;
  let search = Infinity;
  for (let run = 0; run < 3; run++) {
    await page.reload();
    await page.locator('[data-testid=contact-row]').first().waitFor();
    warm = Math.min(warm, await page.evaluate(() => performance.getEntriesByName('rolo-list-drawn')[0]!.startTime));
    // The first screen is drawn from a stored slice; search once every record is read.
    await page.getByTestId('result-count').filter({ hasText: `${CONTACTS} contacts` }).waitFor();
    search = Math.min(search, await page.evaluate(() => new Promise<number>((resolve) => {
      const count = document.querySelector('[data-testid=result-count]')!;
      const input = document.querySelector<HTMLInputElement>('[data-testid=search]')!;
      const start = performance.now();
      new MutationObserver(() => resolve(performance.now() - start)).observe(count, { childList: true, subtree: true, characterData: true });
      input.value = 'virt';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    })));
  }
  await browser.close();
  const scores = await audit(owner);
  console.log(`bench web: js_gzip_kb=${Math.round(gzipped / 1024)} warm_list_ms=${Math.round(warm)} first_search_ms=${Math.round(search)} full_sync_seconds=${fullSync.toFixed(1)} lighthouse_performance=${scores.performance} lighthouse_accessibility=${scores.accessibility}`);
});
