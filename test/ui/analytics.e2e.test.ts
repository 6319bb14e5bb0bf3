/**
 * Sessions, a session's timeline, usage and funnels in a real Chromium against a real `witness serve`
 * fed crafted sessions over OTLP (the same ones test/analytics-api.e2e.test.ts computes by hand): the
 * Sessions list comes from GET /api/sessions and sorts there, a session page shows its traces in order
 * with each turn's input, output and error, the Usage page lists the agent, and a funnel built in the
 * page runs, lands in the URL and reopens from it. Screenshots: docs/images/session-timeline.png,
 * docs/images/funnels.png, docs/images/usage.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId } from '../helpers/otlp-proto.js';
import { REPO_ROOT, startWitness, type WitnessProcess } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';

let server: WitnessProcess;
let browser: Browser;
const BASE_MS = Date.now() - 2 * 3_600_000;
const ns = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

const EVENTS: Array<[string, string, string, number]> = [
  ['s1', 'u1', 'search', 0],
  ['s1', 'u1', 'add_to_cart', 10],
  ['s1', 'u1', 'checkout', 30],
  ['s2', 'u1', 'search', 200],
  ['s2', 'u1', 'add_to_cart', 220],
  ['s3', 'u2', 'add_to_cart', 400],
  ['s3', 'u2', 'search', 405],
  ['s3', 'u2', 'checkout', 408],
  ['s4', 'u2', 'search', 600],
  ['s4', 'u2', 'add_to_cart', 640],
  ['s4', 'u2', 'checkout', 700],
  ['s5', 'u4', 'checkout', 800],
  ['s6', 'u3', 'search', 1000],
  ['s6', 'u3', 'search', 1005],
  ['s6', 'u3', 'add_to_cart', 1030],
  ['s6', 'u3', 'checkout', 1050],
];

beforeAll(async () => {
  server = await startWitness();
  for (const [session, user, name, at] of EVENTS) {
    const start = ns(BASE_MS + at * 1000);
    const traceId = newTraceId();
    const root = newSpanId();
    const failed = session === 's4' && name === 'checkout';
    const body = encodeTraces('shop', [
      {
        traceId,
        spanId: root,
        name,
        startNs: start,
        endNs: start + ns(1500),
        attributes: {
          'witness.session.id': session,
          'witness.user.id': user,
          'gen_ai.agent.name': 'shop-agent',
          'input.value': `Please ${name.replace(/_/g, ' ')} for me`,
          'output.value': failed ? '' : `Done: ${name.replace(/_/g, ' ')}`,
        },
        ...(failed ? { status: { code: 2, message: 'card declined' } } : {}),
      },
      {
        traceId,
        spanId: newSpanId(),
        parentSpanId: root,
        name: 'chat gpt-4o-mini',
        startNs: start + ns(100),
        endNs: start + ns(900),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 300,
          'gen_ai.usage.output_tokens': 40,
        },
      },
    ]);
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
  }
  browser = await launchBrowser({ width: 1500, height: 950 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const slow = { timeout: 20_000 }; // a shared, loaded machine: the page's requests take seconds
const images = join(REPO_ROOT, 'docs/images');

it('lists sessions from the server, sorts them there, and shows a session as a timeline of turns', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/sessions`);
  await expect.poll(() => page.getByTestId('group-row').count(), slow).toBe(6);
  await page.getByTestId('sort-traces').click();
  await expect.poll(() => page.url(), slow).toContain('sort=traces');
  await expect
    .poll(async () => (await page.getByTestId('group-row').first().textContent()) ?? '', slow)
    .toMatch(/^s6/);
  await page.getByTestId('group-row').filter({ hasText: 's4' }).getByRole('link', { name: 's4' }).click();
  await expect.poll(() => page.url(), slow).toContain('/sessions/s4');
  await expect.poll(() => page.getByTestId('session-turn').count(), slow).toBe(3);
  const turns = await page.getByTestId('session-turn').allTextContents();
  expect(turns[0]).toContain('search');
  expect(turns[0]).toContain('Please search for me');
  expect(turns[0]).toContain('Done: search');
  expect(turns[1]).toContain('add_to_cart');
  expect(turns[2]).toContain('card declined');
  const stats = (await page.getByTestId('session-stats').textContent()) ?? '';
  expect(stats).toContain('u2');
  expect(stats).toMatch(/Traces\s*3/);
  await page.mouse.move(0, 0);
  mkdirSync(images, { recursive: true });
  await page.screenshot({ path: join(images, 'session-timeline.png') });
  await screenshot(page, 'session-timeline');
});

it('builds a funnel, runs it, keeps it in the URL, and reopens it from the link', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/funnels?within=60&range=24h`);
  await page.getByTestId('funnel-step-0').fill('search');
  await page.getByTestId('funnel-step-1').fill('add_to_cart');
  await page.getByTestId('funnel-add-step').click();
  await page.getByTestId('funnel-step-2').fill('checkout');
  await page.getByTestId('funnel-run').click();
  await expect.poll(() => page.url(), slow).toContain('steps=');
  await expect.poll(() => page.getByTestId('funnel-step-row').count(), slow).toBe(3);
  const rows = await page.getByTestId('funnel-step-row').allTextContents();
  // hand-computed (see test/analytics-api.e2e.test.ts): 5 → 4 → 2, 80% then 50%
  expect(rows[0]).toMatch(/search\s*5/);
  expect(rows[1]).toMatch(/add_to_cart\s*4/);
  expect(rows[1]).toContain('80.0%');
  expect(rows[2]).toMatch(/checkout\s*2/);
  expect(rows[2]).toContain('50.0%');
  expect(await page.getByTestId('funnel-conversion').textContent()).toBe('40.0%');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(images, 'funnels.png') });
  await screenshot(page, 'funnels');

  // the shared link alone (a fresh tab) shows the same funnel
  const url = page.url();
  const other = await browser.context.newPage();
  await other.goto(url);
  await expect.poll(() => other.getByTestId('funnel-step-row').count(), slow).toBe(3);
  expect(await other.getByTestId('funnel-step-2').inputValue()).toBe('checkout');
  expect(await other.getByTestId('funnel-conversion').textContent()).toBe('40.0%');
  // per user: u1, u2, u3 enter; u2 runs out of time before its add
  await other.locator('select').filter({ hasText: 'session' }).selectOption('user');
  await expect
    .poll(async () => (await other.getByTestId('funnel-step-row').allTextContents()).join('|'), slow)
    .toMatch(/search\s*3.*add_to_cart\s*2.*checkout\s*2/);
  await other.close();
});

it('shows usage per agent and per user', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/usage?by=agent`);
  await expect.poll(() => page.getByTestId('usage-row').count(), slow).toBe(1);
  expect(await page.getByTestId('usage-row').first().textContent()).toContain('shop-agent');
  await page.getByTestId('usage-by').selectOption('user');
  await expect.poll(() => page.getByTestId('usage-row').count(), slow).toBe(4);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(images, 'usage.png') });
  await screenshot(page, 'usage');
});

it("shows a user's totals from the server, over all of the user's traces", async () => {
  const page = browser.page;
  await page.goto(`${server.url}/users/u2`);
  await expect
    .poll(async () => (await page.getByTestId('user-stats').textContent()) ?? '', slow)
    .toMatch(/Traces\s*6/);
  expect(await page.getByTestId('user-stats').textContent()).toMatch(/Sessions\s*2.*Turns\s*6.*Errors\s*1/);
});
