/**
 * The Governance page in a real Chromium against a real `witness serve --demo` with the shipped example
 * policies in its config file: the demo's agents call side-effecting tools outside Execute mode and
 * models off the allow-list, so violations arrive; the page shows them over time and by policy, agent,
 * mode and severity, lists the policies in force, filters by a clicked policy, and a violation's link
 * opens its trace. The screenshot is the one docs/governance.md shows (docs/images/governance.png).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

let server: WitnessProcess;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-gov-ui-'));
  const examples = readFileSync(join(REPO_ROOT, 'docs/policies/examples.yaml'), 'utf8');
  writeFileSync(join(dir, 'witness.yaml'), `governance:\n${examples.replace(/^/gm, '  ')}\n`);
  server = await startWitness({
    args: ['--demo', '--config', join(dir, 'witness.yaml')],
    startTimeoutMs: 60_000,
  });
  browser = await launchBrowser({ width: 1600, height: 1000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('shows violations over time and by policy, filters by a policy, and links each to its trace', async () => {
  const base = server.url.replace(/\/$/, '');
  const slow = { timeout: 20_000 }; // a shared, loaded machine: the page's requests take seconds
  await expect
    .poll(
      async () => {
        const r = (await (await fetch(`${base}/api/governance/summary`)).json()) as {
          byPolicy: Array<{ key: string }>;
        };
        return r.byPolicy.map((p) => p.key);
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toEqual(expect.arrayContaining(['side-effect-outside-execute', 'model-not-allowed']));

  const page = browser.page;
  await page.goto(`${base}/governance`);
  await expect.poll(() => page.getByTestId('violation-row').count(), slow).toBeGreaterThan(0);
  expect(await page.getByTestId('violations-over-time').locator('rect').count()).toBeGreaterThan(0);
  expect(await page.getByTestId('by-policy').textContent()).toContain('side-effect-outside-execute');
  expect(await page.getByTestId('by-mode').textContent()).toMatch(/human_|autonomous/);
  expect(await page.getByTestId('policies-in-force').locator('tr').count()).toBe(5);
  await page.mouse.move(0, 0);
  mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'docs/images/governance.png') });
  await screenshot(page, 'governance');

  // a clicked policy filters the list through the API
  await page.getByTestId('by-policy').getByRole('button', { name: 'model-not-allowed' }).click();
  await expect.poll(() => page.url(), slow).toContain('policy=model-not-allowed');
  await expect
    .poll(
      async () =>
        new Set(
          await page
            .getByTestId('violation-row')
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-policy'))),
        ),
      slow,
    )
    .toEqual(new Set(['model-not-allowed']));
  expect(await page.getByTestId('violation-row').first().textContent()).toContain('span.model');

  // the trace link opens the trace of the violation
  const link = page.getByTestId('violation-trace-link').first();
  const traceId = await link.getAttribute('data-trace-id');
  await link.click();
  await expect.poll(() => page.url(), slow).toContain(`/traces/${traceId}`);
  await expect.poll(() => page.getByTestId('trace-title').count(), slow).toBe(1);
}, 150_000);
