/**
 * The project switcher: a real `witness serve` holding traces of projects alpha and beta (the same
 * trace id in both), driven by a real Chromium. Switching project shows only that project's traces,
 * and the choice survives a reload.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { routeSamples } from '../helpers/route-samples.js';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser } from './browser.js';

let server: WitnessProcess;
let browser: Browser;
const SHARED_TRACE = '0af7651916cd43dd8448eb211c80319c';

beforeAll(async () => {
  server = await startWitness();
  for (const p of ['alpha', 'beta']) {
    const sample = routeSamples({ traceId: SHARED_TRACE, service: `svc-${p}` })['POST /v1/traces'];
    // the same ids in both projects, a name each
    const body = sample.body as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }>;
    };
    body.resourceSpans[0].scopeSpans[0].spans[0].name = `${p}-run`;
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-witness-project': p },
      body: JSON.stringify(sample.body),
    });
    expect(res.status).toBe(200);
  }
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("switching project shows only that project's traces, and the choice survives a reload", async () => {
  const page = browser.page;
  const rows = page.locator('[data-testid=trace-row]');
  const rowText = async () => (await rows.allTextContents()).join('\n');
  await page.goto(`${server.url}/traces`);
  const switcher = page.getByTestId('project-switcher');
  // default holds nothing; the switcher offers every project with data
  await expect.poll(() => switcher.locator('option').allTextContents()).toEqual(['alpha', 'beta', 'default']);
  expect(await switcher.inputValue()).toBe('default');
  await expect.poll(() => page.getByTestId('empty').count()).toBeGreaterThan(0);
  expect(await rows.count()).toBe(0);

  for (const [p, q] of [
    ['alpha', 'beta'],
    ['beta', 'alpha'],
  ]) {
    await switcher.selectOption(p);
    await expect.poll(rowText).toContain(`svc-${p}`);
    expect(await rows.count()).toBe(1);
    expect(await rowText()).not.toContain(`svc-${q}`);
    expect(await rowText()).toContain(`${p}-run`);
    expect(await rowText()).not.toContain(`${q}-run`);
  }
  // the same trace id opens this project's trace
  await rows.first().click();
  await expect.poll(() => page.locator('main').textContent()).toContain('beta-run');
  expect(await page.locator('main').textContent()).not.toContain('alpha-run');

  await page.goto(`${server.url}/traces`);
  await expect.poll(rowText).toContain('svc-beta');
  expect(await page.getByTestId('project-switcher').inputValue()).toBe('beta');
  expect(await rowText()).not.toContain('svc-alpha');
});
