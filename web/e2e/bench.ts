// `npm run bench`: how the app does with 10,000 contacts, in real Chromium. Prints one line:
//   bench web: js_gzip_kb=… warm_list_ms=… first_search_ms=…
// js_gzip_kb: the gzipped JavaScript and WebAssembly the app loads. warm_list_ms: from a
// reload (shell cached by the service worker, 10,000 contact records in IndexedDB) to the list
// drawn. first_search_ms: from typing a word to the list showing its matches.
// Not yet measured here: a fresh phone's full sync of 10,000 contacts, and Lighthouse.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { test } from 'vitest';
import { emptyContact, type ContactJson } from '../src/sync/contact.ts';
import { indexTerms } from '../src/sync/search.ts';
import { company, launch, phone, signIn } from './support.ts';

const GIVEN = ['Astrid', 'Liv', 'Pekka', 'Aiko', 'Nils', 'Greta', 'Otto', 'Signe', 'Jonas', 'Mara'];
const FAMILY = ['Berg', 'Ek', 'Virtanen', 'Sato', 'Strand', 'Holm', 'Lind', 'Dahl', 'Nyberg', 'Lindqvist'];

function fictional(i: number): ContactJson {
  const c = emptyContact();
  c.name.given = `${GIVEN[i % 10]}${i}`;
  c.name.family = FAMILY[Math.floor(i / 10) % 10]!;
  c.phones = [{ id: 'p1', label: 'work', e164: `+4670${1000000 + i}`, raw: `070-${1000000 + i}` }];
  c.emails = [{ id: 'e1', label: 'work', address: `rep${i}@fjord-trading.example` }];
  c.organizations = [{ id: 'o1', company: `Company ${i % 300}`, department: '', title: 'Buyer' }];
  c.tags = { [`tag${i % 20}`]: true };
  return c;
}

test('bench web', async () => {
  const dist = new URL('../dist/assets/', import.meta.url);
  const gzipped = readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'))
    .reduce((sum, f) => sum + gzipSync(readFileSync(new URL(f, dist))).length, 0);

  const browser = await launch();
  const { page } = await phone(browser);
  await signIn(page, await company('Mina'));
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  const records = Array.from({ length: 10_000 }, (_, i) => {
    const contact = fictional(i);
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return { id, contact, meta: null, rejected: null, empty: false, terms: indexTerms(contact, 'SE') };
  });
  await page.evaluate(async (rows) => {
    const db = await new Promise<IDBDatabase>((resolve) => { const r = indexedDB.open('rolo'); r.onsuccess = () => resolve(r.result); });
    const tx = db.transaction('contacts', 'readwrite');
    for (const row of rows) tx.objectStore('contacts').put(row);
    await new Promise((resolve) => { tx.oncomplete = resolve; });
    db.close();
  }, records);

  let warm = Infinity;
  let search = Infinity;
  for (let run = 0; run < 3; run++) {
    await page.reload();
    await page.locator('[data-testid=contact-row]').first().waitFor();
    warm = Math.min(warm, await page.evaluate(() => performance.getEntriesByName('rolo-list-drawn')[0]!.startTime));
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
  console.log(`bench web: js_gzip_kb=${Math.round(gzipped / 1024)} warm_list_ms=${Math.round(warm)} first_search_ms=${Math.round(search)}`);
});
