/**
 * The Anomalies page in a real Chromium against a real `witness serve`: crafted steady traffic with a
 * latency spike and a tool loop go in through OTLP; the page lists both with their series, score and
 * trace link, draws the spike's recent buckets with the anomalous one marked, and the link opens the
 * trace. The screenshot is the one docs/anomaly.md shows (docs/images/anomalies.png).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyPageJson } from '@witness/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postSpans, runSpans, steadyThenSpike } from '../helpers/anomaly-traffic.js';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

let server: WitnessProcess;
let browser: Browser;

beforeAll(async () => {
  server = await startWitness({ startTimeoutMs: 60_000 });
  browser = await launchBrowser({ width: 1600, height: 900 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('lists a crafted spike and a tool loop with their traces, and the link opens the trace', async () => {
  const base = server.url.replace(/\/$/, '');
  const spike = await steadyThenSpike(base, { service: 'orders', agent: 'order-bot' });
  const loop = runSpans({
    agent: 'order-bot',
    endMs: Date.now() - 60_000,
    tools: Array.from({ length: 20 }, () => ({ name: 'check_stock', args: '{"sku":"A-1"}', durationMs: 30 })),
  });
  await postSpans(base, 'orders', loop.spans);
  // the API has both before the page is opened (the sink runs right after the commit)
  await expect
    .poll(async () => {
      const page = (await (await fetch(`${base}/api/anomalies`)).json()) as AnomalyPageJson;
      return page.items.flatMap((a) => a.traceIds);
    })
    .toEqual(expect.arrayContaining([spike.traceId, loop.traceId]));

  const page = browser.page;
  await page.goto(`${base}/anomalies`);
  const rows = page.getByTestId('anomaly-row');
  await expect.poll(() => rows.count()).toBeGreaterThan(1);
  const loopRow = page.locator('[data-testid=anomaly-row][data-kind=tool_loop]');
  await expect.poll(() => loopRow.textContent()).toContain('check_stock was called 20 times');
  // the spike: a series row for the search tool's p95 latency, with its chart and the slow trace
  const spikeRow = page.locator('[data-testid=anomaly-row][data-kind=series]', {
    has: page.locator(`[data-trace-id="${spike.traceId}"]`),
  });
  await expect.poll(() => spikeRow.count()).toBeGreaterThan(0);
  const first = spikeRow.first();
  expect(await first.textContent()).toContain('latency_p95');
  expect(await first.getByTestId('anomaly-sparkline').count()).toBe(1);
  expect(await first.getByTestId('anomaly-marker').count()).toBe(1);

  mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'docs/images/anomalies.png') });
  await screenshot(page, 'anomalies');

  // filtering by kind goes through the API
  await page.getByTestId('anomaly-kind').selectOption('tool_loop');
  await expect.poll(() => page.locator('[data-testid=anomaly-row][data-kind=series]').count()).toBe(0);
  await expect.poll(() => loopRow.count()).toBe(1);

  // the trace link opens the trace behind the anomaly
  await loopRow.getByTestId('anomaly-trace-link').click();
  await expect.poll(() => page.url()).toContain(`/traces/${loop.traceId}`);
  await expect.poll(() => page.getByText('check_stock').count()).toBeGreaterThan(0);
}, 120_000);
