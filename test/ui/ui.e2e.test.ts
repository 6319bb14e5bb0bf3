/**
 * The web UI in a real Chromium against a real `witness serve --demo`: every value the test reads on
 * screen is compared with what the server's API answers for the same thing.
 */
import type { Page as ApiPage, SpanJson, TraceJson, TraceSummaryJson } from '@witness/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokens } from '../../packages/ui/src/lib/format.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';
import { startDemoServer, type UiServer } from './ui-server.js';
import { until } from '../helpers/until.js';

let server: UiServer;
let browser: Browser;
let page: Page;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(server.baseUrl + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Poll the API until the demo has produced what a test needs. */
const firstTrace = (query: string) =>
  until(
    `trace matching ${query}`,
    async () => (await api<ApiPage<TraceSummaryJson>>(`/api/traces?${query}&limit=1`)).items[0],
    60_000,
    { ignoreErrors: true, intervalMs: 500 },
  );

const rowIds = (p: Page) =>
  p
    .locator('[data-testid=trace-row]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')));

async function expandAll(p: Page, spanCount: number) {
  await p.getByTestId('expand-all').click();
  // the list is virtualised: the header counts rows, the DOM holds only those in view
  await expect
    .poll(() => p.locator('.waterfall-head').textContent())
    .toContain(`${spanCount} of ${spanCount} rows`);
}

/** Rows are virtualised: scroll the tree until the span's row exists, then click it. */
async function clickSpan(p: Page, spanId: string) {
  const row = p.locator(`[data-testid=span-row][data-span-id="${spanId}"]`);
  const list = p.getByTestId('waterfall');
  for (let i = 0; i < 400 && (await row.count()) === 0; i++)
    await list.evaluate((el) => el.scrollBy(0, el.clientHeight * 0.8));
  await row.click();
  await expect.poll(() => p.getByTestId('span-panel').getAttribute('data-span-id')).toBe(spanId);
}

beforeAll(async () => {
  server = await startDemoServer();
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(15_000);
  // demo agents need a moment to produce LLM calls, decisions and logs
  await firstTrace('kind=decision');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('web UI on witness serve --demo', () => {
  it('filters the trace list and keeps the filters in the URL', async () => {
    await page.goto(`${server.baseUrl}/traces`);
    await page.locator('[data-testid=trace-row]').first().waitFor();
    const all = await rowIds(page);
    expect(all.length).toBeGreaterThan(0);

    const answer = page.waitForResponse(
      (r) => r.url().includes('/api/traces?') && r.url().includes('status=error'),
    );
    await page.getByTestId('filter-status').selectOption('error');
    const body = (await (await answer).json()) as ApiPage<TraceSummaryJson>;
    expect(page.url()).toContain('status=error');
    await expect.poll(() => rowIds(page)).toEqual(body.items.map((t) => t.traceId));
    expect(body.items.length).toBeGreaterThan(0);
    // every row shown has errors, per the server's own answer
    for (const t of body.items) expect(t.errorCount).toBeGreaterThan(0);
    const errorCells = await page.locator('[data-testid=trace-row] td:nth-child(5)').allTextContents();
    for (const c of errorCells) expect(Number(c)).toBeGreaterThan(0);

    // a text filter: the agent of a listed trace
    const withAgent = await firstTrace('kind=agent');
    const trace = await api<TraceJson>(`/api/traces/${withAgent.traceId}`);
    const agent = trace.spans.find((s) => s.agentName)!.agentName!;
    const agentAnswer = page.waitForResponse((r) => r.url().includes(`agent=${encodeURIComponent(agent)}`));
    await page.getByTestId('filter-status').selectOption('');
    // let the page take the cleared status before typing: a re-render mid-typing may reset the field
    await page.waitForURL((u) => !u.searchParams.has('status'));
    await page.locator('[data-testid=trace-row]').first().waitFor();
    await page.getByTestId('filter-agent').fill(agent);
    // data arriving re-renders the page while someone types: the typed text must survive it. A
    // history change to another parameter re-renders and refetches without taking focus from the field.
    const refetched = page.waitForResponse((r) => r.url().includes('/api/traces?'));
    await page.evaluate(() => {
      history.pushState(null, '', `${location.pathname}${location.search || '?'}&range=6h`);
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await refetched;
    await page.waitForFunction(() => !document.querySelector('.stale'));
    expect(await page.getByTestId('filter-agent').inputValue()).toBe(agent);
    await page.getByTestId('filter-agent').press('Enter');
    const agentBody = (await (await agentAnswer).json()) as ApiPage<TraceSummaryJson>;
    expect(new URL(page.url()).searchParams.get('agent')).toBe(agent);
    await expect.poll(() => rowIds(page)).toEqual(agentBody.items.map((t) => t.traceId));
    expect(agentBody.items.length).toBeGreaterThan(0);
    await screenshot(page, 'traces-filtered');
  });

  it('pages to older traces and back to the newest with the pager', async () => {
    await page.goto(`${server.baseUrl}/traces`);
    await page.locator('[data-testid=trace-row]').first().waitFor();
    const newest = await rowIds(page);
    const older = page.waitForResponse(
      (r) => r.url().includes('/api/traces?') && r.url().includes('cursor='),
    );
    await page.getByTestId('next-page').click();
    const body = (await (await older).json()) as ApiPage<TraceSummaryJson>;
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    await expect.poll(() => rowIds(page)).toEqual(body.items.map((t) => t.traceId));
    expect(body.items.length).toBeGreaterThan(0);
    for (const id of body.items.map((t) => t.traceId)) expect(newest).not.toContain(id);

    await page.getByRole('button', { name: '⇤ Newest' }).click();
    await page.waitForURL((u) => !u.searchParams.has('cursor'));
    await expect.poll(() => rowIds(page)).toEqual(newest);
    await expect.poll(() => page.getByRole('button', { name: '⇤ Newest' }).isDisabled()).toBe(true);
  });

  it('opens a trace from the list, expands the tree and reads an LLM span', async () => {
    await page.goto(`${server.baseUrl}/traces?kind=llm`);
    const first = page.locator('[data-testid=trace-row]').first();
    const traceId = (await first.getAttribute('data-trace-id'))!;
    await first.locator('a').first().click();
    await page.waitForURL(`**/traces/${traceId}`);
    await page.locator('[data-testid=span-row]').first().waitFor();
    const trace = await api<TraceJson>(`/api/traces/${traceId}`);
    expect(await page.getByTestId('trace-span-count').textContent()).toBe(String(trace.spans.length));

    // expand a collapsed node: more rows appear, each a child of a visible row
    const before = await page.locator('[data-testid=span-row]').count();
    const collapsed = page.locator('[data-testid=tree-toggle][aria-expanded=false]').first();
    if ((await collapsed.count()) === 0) {
      // shallow trace: collapse the root, check rows go, then expand it again
      // the click returns once the event is dispatched; Preact renders after it, so poll
      await page.locator('[data-testid=tree-toggle]').first().click();
      await expect.poll(() => page.locator('[data-testid=span-row]').count()).toBe(1);
      await page.locator('[data-testid=tree-toggle]').first().click();
      await expect.poll(() => page.locator('[data-testid=span-row]').count()).toBe(before);
    } else {
      await collapsed.click();
      await expect.poll(() => page.locator('[data-testid=span-row]').count()).toBeGreaterThan(before);
    }
    await expandAll(page, trace.spans.length);

    const llm = trace.spans.find((s) => s.kind === 'llm' && s.model) as SpanJson;
    expect(llm, 'the demo trace has an LLM span with a model').toBeTruthy();
    await clickSpan(page, llm.spanId);
    const panel = page.getByTestId('span-panel');
    expect(await panel.getByTestId('span-name').textContent()).toBe(llm.name);
    expect(await panel.getByTestId('span-model').textContent()).toBe(llm.model);
    expect(await panel.getByTestId('span-input-tokens').textContent()).toBe(formatTokens(llm.inputTokens));
    expect(await panel.getByTestId('span-output-tokens').textContent()).toBe(formatTokens(llm.outputTokens));
    if (llm.costUsd !== null) expect(await panel.getByTestId('span-cost').textContent()).toMatch(/^\$\d/);
    const messages = panel.getByTestId('chat-message');
    expect(await messages.count()).toBeGreaterThan(0);
    // the prompt's text is on screen as a conversation, not as raw JSON
    const firstText = await messages.first().locator('.msg-text').first().textContent();
    expect(firstText && firstText.length > 0).toBe(true);
    expect(firstText).not.toMatch(/^\s*[[{]/);
    expect(new URL(page.url()).searchParams.get('span')).toBe(llm.spanId);
    await screenshot(page, 'trace-llm-span');

    // The LLM call is on the tamper-evident audit log (by reference): the span links to its entries.
    const audit = await api<{ entries: Array<{ spanId: string | null; type: string }> }>(
      `/api/audit?traceId=${traceId}&limit=1000`,
    );
    const own = audit.entries.filter((e) => e.spanId === llm.spanId);
    expect(own.length).toBeGreaterThan(0);
    await panel.getByText('Audit entries →').click();
    await page.waitForURL('**/audit?**');
    await expect.poll(() => page.locator('[data-testid=audit-row]').count()).toBe(own.length);
    await screenshot(page, 'audit-entries-of-span');
  });

  it('shows a decision with its choice, alternatives and confidence', async () => {
    const summary = await firstTrace('kind=decision');
    const trace = await api<TraceJson>(`/api/traces/${summary.traceId}`);
    const decision = trace.spans.find((s) => s.kind === 'decision' && s.decision) as SpanJson;
    expect(decision, 'the demo trace has a decision span').toBeTruthy();
    await page.goto(`${server.baseUrl}/traces/${summary.traceId}`);
    await page.locator('[data-testid=span-row]').first().waitFor();
    await expandAll(page, trace.spans.length);
    await clickSpan(page, decision.spanId);
    const panel = page.getByTestId('span-panel');
    const d = decision.decision!;
    expect(await panel.getByTestId('decision-choice').textContent()).toBe(d.choice ?? '—');
    if (d.alternatives.length) {
      const alts = await panel.locator('[data-testid=decision-alternatives] li').allTextContents();
      expect(alts.map((a) => a.replace(/chosen$/, ''))).toEqual(d.alternatives);
    }
    if (d.confidence !== null)
      expect(await panel.getByTestId('decision-confidence').textContent()).toBe(
        `${Math.round(d.confidence * 100)}%`,
      );
    await screenshot(page, 'trace-decision-span');
  });

  it('follows a log line to its trace and span', async () => {
    await until(
      'log line with a trace id',
      async () =>
        (await api<ApiPage<{ traceId: string | null }>>('/api/logs?limit=50')).items.find((l) => l.traceId),
      60_000,
      { ignoreErrors: true, intervalMs: 500 },
    );
    await page.goto(`${server.baseUrl}/logs?range=all`);
    const link = page.getByTestId('log-trace-link').first();
    await link.waitFor();
    const traceId = (await link.getAttribute('data-trace-id'))!;
    const href = (await link.getAttribute('href'))!;
    const spanId = new URL(href, server.baseUrl).searchParams.get('span');
    await screenshot(page, 'logs');
    await link.click();
    await page.waitForURL(`**/traces/${traceId}**`);
    await page.locator('[data-testid=span-row]').first().waitFor();
    const trace = await api<TraceJson>(`/api/traces/${traceId}`);
    expect(await page.getByTestId('trace-span-count').textContent()).toBe(String(trace.spans.length));
    if (spanId && trace.spans.some((s) => s.spanId === spanId)) {
      await expect.poll(() => page.getByTestId('span-panel').getAttribute('data-span-id')).toBe(spanId);
      // the span's row is revealed (its ancestors opened) and marked selected
      expect(
        await page.locator(`[data-testid=span-row][data-span-id="${spanId}"]`).getAttribute('aria-selected'),
      ).toBe('true');
    }
    await screenshot(page, 'log-to-trace');
  });

  it('gives the same view to whoever opens a shared URL', async () => {
    // a fixed end time: the demo keeps producing, and a shared link must not move with it
    const list = await api<ApiPage<TraceSummaryJson>>('/api/traces?limit=20');
    const pivot = list.items[Math.min(5, list.items.length - 1)]!;
    const toMs = Number(BigInt(pivot.startTimeUnixNano) / 1_000_000n);
    await page.goto(`${server.baseUrl}/traces?to=${toMs}`);
    await page.getByTestId('filter-kind').selectOption('llm');
    await expect.poll(() => page.url()).toContain('kind=llm');
    await page.locator('[data-testid=trace-row]').first().waitFor();
    const sharedList = page.url();
    const ids = await rowIds(page);

    const trace = await api<TraceJson>(`/api/traces/${ids[0]}`);
    const deep =
      [...trace.spans].sort((a, b) => b.name.length - a.name.length).find((s) => s.parentSpanId) ??
      trace.spans[0]!;
    await page.goto(`${server.baseUrl}/traces/${ids[0]}?span=${deep.spanId}`);
    await page.getByTestId('span-panel').waitFor();
    const sharedTrace = page.url();

    const other = await launchBrowser({ width: 1280, height: 800 });
    try {
      await other.page.goto(sharedList);
      await other.page.locator('[data-testid=trace-row]').first().waitFor();
      expect(await rowIds(other.page)).toEqual(ids);
      expect(await other.page.getByTestId('filter-kind').inputValue()).toBe('llm');
      await other.page.goto(sharedTrace);
      const panel = other.page.getByTestId('span-panel');
      await panel.waitFor();
      expect(await panel.getAttribute('data-span-id')).toBe(deep.spanId);
      expect(await panel.getByTestId('span-name').textContent()).toBe(deep.name);
      await screenshot(other.page, 'shared-url');
    } finally {
      await other.close();
    }
  });

  it('draws the overview charts from the metrics API', async () => {
    await page.goto(`${server.baseUrl}/overview?range=1h`);
    const rate = page.getByTestId('chart-rate');
    await rate.locator('canvas, [data-testid=empty], [data-testid=error]').first().waitFor();
    // the demo runs agents, so the last hour has a rate to draw
    expect(await rate.locator('canvas').count()).toBe(1);
    await page
      .getByTestId('chart-cost-model')
      .locator('canvas, [data-testid=empty], [data-testid=error]')
      .first()
      .waitFor();
    await screenshot(page, 'overview');
  });
});
