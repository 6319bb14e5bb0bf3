/**
 * A filtered trace search reads a bounded slice of the store per request (store.duckdb.partScanBudget),
 * so a page can come back empty with a cursor to older traces. The UI must offer to go on, not say
 * that nothing matches. A real `witness serve --demo` with a tiny budget, driven by a real Chromium.
 */
import type { Page as ApiPage, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser } from './browser.js';
import { DEMO_SENT } from './ui-server.js';

let server: WitnessProcess;
let browser: Browser;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(server.url.replace(/\/$/, '') + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  server = await startWitness({
    args: ['--demo', '--no-demo-live'],
    env: { WITNESS_STORE_DUCKDB_PART_SCAN_BUDGET: '2' },
    startTimeoutMs: 60_000,
  });
  await server.waitForStdout(DEMO_SENT, 120_000);
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('an empty first page with a cursor offers "Search older traces", which finds the older matches', async () => {
  // Wait for the demo, then find a service none of the newest two trace parts belongs to.
  let service: string | undefined;
  for (let i = 0; i < 120 && !service; i++) {
    const { services } = await api<{ services: string[] }>('/api/services');
    for (const s of services) {
      const page = await api<ApiPage<TraceSummaryJson>>(`/api/traces?service=${encodeURIComponent(s)}`);
      if (page.items.length === 0 && page.nextCursor) service = s;
    }
    if (!service) await new Promise((r) => setTimeout(r, 500));
  }
  expect(service, 'a service whose matches are all older than the first slice').toBeDefined();

  const page = browser.page;
  await page.goto(`${server.url.replace(/\/$/, '')}/traces?service=${encodeURIComponent(service!)}`);
  await expect
    .poll(() => page.getByTestId('empty').textContent())
    .toContain('No match among the newest traces');
  // Follow "Search older" until rows appear: each click reads the next slice. After a click the page still
  // shows the previous answer until the new one arrives, so wait for the URL to move to the new cursor and
  // the results to answer it before looking again — clicking a button that is about to go is the race.
  const rows = page.locator('[data-testid=trace-row]');
  const settled = page.locator('[data-testid=trace-results][data-settled=yes]');
  await settled.waitFor();
  for (let i = 0; i < 50 && (await rows.count()) === 0; i++) {
    const before = new URL(page.url()).searchParams.get('cursor');
    await page.getByTestId('search-older').click();
    await page.waitForURL((u) => u.searchParams.get('cursor') !== before);
    await settled.waitFor();
  }
  expect(await rows.count()).toBeGreaterThan(0);
  // Every row shown belongs to the filtered service.
  const services = await rows.evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  for (const text of services) expect(text).toContain(service!);
}, 120_000); // its own wait for the demo (120 × 0.5 s) and up to 50 clicks outlast vitest's 30 s default
