/**
 * `witness serve --demo` (what `npm start` runs) with its live demo agents, in a real Chromium: every
 * panel of the overview has data, and the scripted incidents arrive over real OTLP and show in the
 * data. The overview's data is the backfilled hour, there from the start at any speed; `--demo-speed
 * 20` only makes the live incident cycle (every 3 demo minutes) pass in seconds.
 *
 * The overview screenshot goes to test-artifacts/ui/; with WITNESS_DOCS_IMAGES=1 it also replaces
 * docs/images/ui-overview.png, the README's picture.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricQueryResult, Page as ApiPage, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

const OVERVIEW_CHARTS = [
  'rate',
  'errors',
  'latency',
  'llm-latency',
  'tokens-agent',
  'tokens-model',
  'cost-agent',
  'cost-model',
];
const INCIDENTS = ['latency spike', 'error burst', 'runaway tool loop', 'cost outlier'];

let w: WitnessProcess;
let browser: Browser;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(w.url + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  w = await startWitness({ args: ['--demo', '--demo-speed', '20'], startTimeoutMs: 90_000 });
  browser = await launchBrowser({ width: 1440, height: 1000 });
  // the backfilled hour is sent before the live agents start: wait for that log line
  const deadline = Date.now() + 120_000;
  while (!w.stderr().includes('live agents running')) {
    if (Date.now() > deadline) throw new Error(`the demo did not start its live agents:\n${w.stderr()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('witness serve --demo: live demo agents', () => {
  it('every overview panel has data, and the top failing tools are listed', async () => {
    const page = browser.page;
    page.setDefaultTimeout(30_000);
    await page.goto(`${w.url}/overview?range=1h`);
    for (const id of OVERVIEW_CHARTS) {
      const card = page.getByTestId(`chart-${id}`);
      await card.locator('canvas, [data-testid=empty], [data-testid=error]').first().waitFor();
      expect(await card.locator('canvas').count(), `chart ${id} draws a line`).toBe(1);
    }
    const tools = page.getByTestId('top-failing-tools');
    await tools.locator('table, [data-testid=empty], [data-testid=error]').first().waitFor();
    const rows = await tools.locator('tr').allTextContents();
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.join('\n')).toContain('web_search'); // the error burst's tool
    await page.setViewportSize({
      width: 1440,
      height: await page.evaluate(() => document.body.scrollHeight),
    });
    const path = await screenshot(page, 'demo-overview');
    if (process.env.WITNESS_DOCS_IMAGES === '1')
      copyFileSync(path, join(REPO_ROOT, 'docs/images/ui-overview.png'));
  });

  it('the four scripted incidents start live, in order, and are announced in the log', async () => {
    await expect
      .poll(() => INCIDENTS.filter((i) => w.stderr().includes(`demo incident: ${i}`)), {
        timeout: 90_000,
        interval: 1_000,
      })
      .toEqual(INCIDENTS);
  });

  it('the incidents are in the data: a slow model, a runaway loop, a cost outlier', async () => {
    const to = Date.now();
    const from = to - 3_600_000;
    const series = async (metric: string, groupBy: string, kind: string) =>
      (
        await api<MetricQueryResult>(
          `/api/metrics/query?metric=${metric}&groupBy=${groupBy}&kind=${kind}&from=${from}&to=${to}&step=60`,
        )
      ).series;
    // response model names carry a date: claude-sonnet-4-5-20250929
    const peak = (s: MetricQueryResult['series'], model: string) =>
      Math.max(
        0,
        ...s.filter((x) => x.labels.model?.startsWith(model)).flatMap((x) => x.points.map(([, v]) => v ?? 0)),
      );
    // a normal call takes at most 4 s; during a spike claude-sonnet-4-5 takes ≥ 7.8 s
    const p95 = await series('p95', 'model', 'llm');
    expect(peak(p95, 'claude-sonnet-4-5')).toBeGreaterThan(7_000);
    expect(peak(p95, 'gpt-4o')).toBeLessThan(4_500);
    // the runaway loop: a trace with 40+ spans more than any normal run (≤ ~25)
    const loops = await api<ApiPage<TraceSummaryJson>>(
      `/api/traces?from=${from}&to=${to}&kind=tool&name=${encodeURIComponent('execute_tool read_docs')}&limit=200`,
    );
    expect(loops.items.some((t) => t.spanCount >= 45)).toBe(true);
    // the cost outlier: one run's LLM cost far above the typical run's
    const cost = await series('cost', 'model', 'llm');
    const perMinute = cost.flatMap((s) => s.points.map(([, v]) => v ?? 0)).filter((v) => v > 0);
    const sorted = [...perMinute].sort((a, b) => a - b);
    expect(sorted.at(-1)!).toBeGreaterThan(5 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it('the demo SLOs, their burn-rate alerts, anomalies and policy violations have data', async () => {
    const { slos } = await api<{ slos: Array<{ name: string; events: number; badEvents: number }> }>(
      '/api/slos',
    );
    expect(slos.map((s) => s.name).sort()).toEqual([
      'llm-latency-5s',
      'planner-runs-succeed',
      'web-search-availability',
    ]);
    for (const slo of slos) expect(slo.events, slo.name).toBeGreaterThan(0);
    expect(slos.find((s) => s.name === 'web-search-availability')!.badEvents).toBeGreaterThan(0);
    await expect
      .poll(async () => (await api<{ alerts: unknown[] }>('/api/alerts')).alerts.length, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const summary = await api<{ byPolicy: Array<{ key: string; count: number }> }>('/api/governance/summary');
    expect(summary.byPolicy.map((p) => p.key).sort()).toEqual([
      'autonomous-side-effect',
      'run-over-budget',
      'runaway-tool-loop',
    ]);
    const anomalies = await api<{ items: unknown[] }>('/api/anomalies');
    expect(anomalies.items.length).toBeGreaterThan(0);
  });
});
