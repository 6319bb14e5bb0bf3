/**
 * Settings → Exporters in a real Chromium against a real `witness serve --config` with two exporters:
 * one forwarding to a second Witness (healthy: its spans sent, nothing queued) and one whose target
 * refuses connections (retrying: records queued, lag growing, the last error shown).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendSpans } from '../helpers/alert-receiver.js';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

/** A loopback port that was free a moment ago and is closed now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let target: WitnessProcess;
let server: WitnessProcess;
let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'witness-ui-exp-'));

beforeAll(async () => {
  target = await startWitness();
  const config = join(dir, 'witness.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      exporters: [
        { name: 'central', type: 'otlp', endpoint: target.url, batch: { timeoutMs: 100 } },
        {
          name: 'tempo-down',
          type: 'otlp',
          // a port nothing listens on: every attempt is refused
          endpoint: `http://127.0.0.1:${await closedPort()}`,
          signals: ['spans'],
          batch: { timeoutMs: 100 },
          retry: { initialBackoffMs: 200, maxBackoffMs: 1000 },
        },
      ],
    }),
  );
  server = await startWitness({ args: ['--config', config], startTimeoutMs: 60_000 });
  browser = await launchBrowser({ width: 1600, height: 700 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await target?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('lists each exporter with its state, queue, lag, counts and last error', async () => {
  const base = server.url.replace(/\/$/, '');
  await sendSpans(base, { service: 'ui-exporters', count: 12, error: false });
  const page = browser.page;
  await page.goto(`${base}/settings/exporters`);
  const healthy = page.locator('[data-testid=exporter-row][data-exporter=central]');
  const down = page.locator('[data-testid=exporter-row][data-exporter=tempo-down]');
  await expect.poll(() => healthy.getByTestId('exporter-sent').textContent(), { timeout: 20_000 }).toBe('12');
  expect(await healthy.getByTestId('exporter-queued').textContent()).toMatch(/^0/);
  expect(await healthy.getByTestId('exporter-error').textContent()).toBe('–');
  await expect.poll(() => down.getAttribute('data-state'), { timeout: 20_000 }).toBe('retrying');
  expect(await down.getByTestId('exporter-queued').textContent()).toMatch(/^12/);
  expect(await down.getByTestId('exporter-sent').textContent()).toBe('0');
  expect(await down.getByTestId('exporter-error').textContent()).toMatch(/ECONNREFUSED/);
  // the page refreshes itself: the lag of the stuck exporter grows
  await expect
    .poll(() => down.getByTestId('exporter-lag').textContent(), { timeout: 20_000 })
    .toMatch(/^([3-9]|\d\d+) s/);
  // the nav has a Settings section with the page
  expect(await page.locator('.nav-section', { hasText: 'Settings' }).getByText('Exporters').count()).toBe(1);
  mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'docs/images/exporters.png') });
  await screenshot(page, 'exporters');
}, 90_000);
