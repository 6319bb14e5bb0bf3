/**
 * The SLOs and Alerts pages in a real Chromium against a real `witness serve --config` whose SLO is
 * burning (failing spans over OTLP): the SLOs page shows the budget overspent, the burn-rate chart
 * with the pair's threshold, the firing pair and an exhaustion time; the Alerts page lists the firing
 * alert with a link to its traces, and its Silence button silences it. Screenshots go to docs/images.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { every, sendSpans } from '../helpers/alert-receiver.js';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

let server: WitnessProcess;
let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'witness-ui-slo-'));

beforeAll(async () => {
  const config = join(dir, 'witness.yaml');
  writeFileSync(
    config,
    stringify({
      slos: [
        {
          name: 'checkout-availability',
          description: '99% of checkout spans succeed',
          sli: { kind: 'error_ratio', spans: { service: 'checkout' } },
          objective: 0.99,
          window: '1h',
          alerting: {
            pairs: [
              { severity: 'page', long: '30s', short: '5s', factor: 10 },
              { severity: 'ticket', long: '2m', short: '30s', factor: 2 },
            ],
            annotations: { runbook_url: 'https://runbooks.example.com/checkout' },
          },
        },
        {
          name: 'search-latency',
          sli: { kind: 'latency', spans: { service: 'search' }, thresholdMs: 500 },
          objective: 0.95,
          window: '1h',
          alerting: { pairs: [{ severity: 'page', long: '30s', short: '5s', factor: 10 }] },
        },
      ],
      alerts: { evaluationInterval: '1s', lateSpanGrace: '5s' },
    }),
  );
  server = await startWitness({ args: ['--config', config], startTimeoutMs: 60_000 });
  browser = await launchBrowser({ width: 1600, height: 900 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('shows a burning SLO and its firing alert, links to its traces, and silences it', async () => {
  const base = server.url.replace(/\/$/, '');
  const traffic = every(250, async () => {
    await sendSpans(base, { service: 'checkout', count: 4, error: true });
    await sendSpans(base, { service: 'checkout', count: 6, error: false });
    await sendSpans(base, { service: 'search', count: 5, error: false, durationMs: 80 });
  });
  try {
    await expect
      .poll(
        async () => {
          const res = (await (await fetch(`${base}/api/alerts`)).json()) as {
            alerts: Array<{ state: string; labels: Record<string, string> }>;
          };
          return res.alerts.some((a) => a.state === 'firing' && a.labels.slo === 'checkout-availability');
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);

    const page = browser.page;
    await page.goto(`${base}/slos`);
    const row = page.locator('[data-testid=slo-row][data-slo=checkout-availability]');
    await expect.poll(() => row.getAttribute('data-firing'), { timeout: 15_000 }).toBe('true');
    expect(await row.getByTestId('burn-chart').count()).toBe(1);
    expect(await row.getByTestId('burn-threshold').count()).toBe(2); // one dashed line per factor
    expect(await row.getByTestId('slo-pair').first().textContent()).toContain('FIRING');
    expect(await row.getByTestId('slo-budget').textContent()).toMatch(/-\d/); // overspent
    expect(await row.getByTestId('slo-exhaustion').textContent()).not.toContain('not burning');
    const healthy = page.locator('[data-testid=slo-row][data-slo=search-latency]');
    expect(await healthy.getAttribute('data-firing')).toBe('false');
    // let a few evaluations draw the chart
    await new Promise((r) => setTimeout(r, 5000));
    mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'docs/images/slos.png') });
    await screenshot(page, 'slos');

    await page.goto(`${base}/alerts`);
    const alert = page
      .locator('[data-testid=alert-row][data-state=firing][data-alertname=ErrorBudgetBurn]')
      .first();
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(1);
    expect(await alert.textContent()).toContain('checkout-availability');
    await page.screenshot({ path: join(REPO_ROOT, 'docs/images/alerts.png') });
    await screenshot(page, 'alerts');

    // silence from the row: the API then lists the silence and the alert as silenced
    await alert.getByTestId('silence-button').click();
    await expect
      .poll(async () => {
        const res = (await (await fetch(`${base}/api/silences`)).json()) as {
          silences: Array<{ matchers: Array<{ name: string; value: string }> }>;
        };
        return res.silences.some((s) =>
          s.matchers.some((m) => m.name === 'slo' && m.value === 'checkout-availability'),
        );
      })
      .toBe(true);
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain('silenced');

    // the traces link opens the trace list filtered to the failing checkout spans
    await alert.getByTestId('alert-traces-link').click();
    await expect.poll(() => page.url()).toContain('/traces?service=checkout&status=error');
  } finally {
    await traffic.stop();
  }
}, 150_000);
