/**
 * The agent graph (a trace's tab and its own page), trace comparison and score annotation in a real
 * Chromium against a real `witness serve --demo`; what the page shows is checked against what the
 * API answers. The screenshots are the ones docs/agent-graph.md and docs/scores.md show.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentGraphJson,
  alignTraces,
  type Page as ApiPage,
  type AuditPageJson,
  type ScoreJson,
  type TraceJson,
  type TraceSummaryJson,
} from '@witness/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCompareSpan } from '../../packages/ui/src/pages/compare/compare-spans.js';
import { REPO_ROOT } from '../helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './browser.js';
import { startDemoServer, type UiServer } from './ui-server.js';

let server: UiServer;
let browser: Browser;
let page: Page;
const IMAGES = join(REPO_ROOT, 'docs/images');

async function api<T>(path: string): Promise<T> {
  const res = await fetch(server.baseUrl + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Traces in which the planner handed work to other agents (the demo's multi-agent runs). */
async function multiAgentTraces(min: number): Promise<TraceSummaryJson[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const items = (await api<ApiPage<TraceSummaryJson>>('/api/traces?agent=planner&limit=200')).items.filter(
      (t) => (t.agents?.length ?? 0) >= 2,
    );
    if (items.length >= min) return items;
    if (Date.now() > deadline) throw new Error(`the demo produced fewer than ${min} multi-agent traces`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The graph on screen: node ids with their call counts, edges with their counts. */
async function graphOnScreen(p: Page, testId: string) {
  const root = p.getByTestId(testId);
  await root.locator('[data-testid=graph-node]').first().waitFor();
  const nodes = await root
    .locator('[data-testid=graph-node]')
    .evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('data-node-id')} ${e.getAttribute('data-calls')}`),
    );
  const edges = await root
    .locator('[data-testid=graph-edge]')
    .evaluateAll((els) =>
      els.map(
        (e) =>
          `${e.getAttribute('data-from')}->${e.getAttribute('data-to')} ${e.getAttribute('data-type')} x${e.getAttribute('data-count')}`,
      ),
    );
  return { nodes: nodes.sort(), edges: edges.sort() };
}

function graphOf(g: AgentGraphJson) {
  return {
    nodes: g.nodes.map((n) => `${n.id} ${n.calls}`).sort(),
    edges: g.edges.map((e) => `${e.from}->${e.to} ${e.type} x${e.count}`).sort(),
  };
}

beforeAll(async () => {
  server = await startDemoServer();
  browser = await launchBrowser({ width: 1440, height: 1000 });
  page = browser.page;
  page.setDefaultTimeout(15_000);
  mkdirSync(IMAGES, { recursive: true });
  await multiAgentTraces(2);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('agent graph, trace comparison and scores in the UI', () => {
  it("shows a trace's agent graph in a tab beside the waterfall, as the API builds it", async () => {
    const [trace] = await multiAgentTraces(1);
    const expected = graphOf(await api<AgentGraphJson>(`/api/traces/${trace!.traceId}/graph`));
    expect(expected.nodes.some((n) => n.startsWith('agent:planner'))).toBe(true);
    await page.goto(`${server.baseUrl}/traces/${trace!.traceId}`);
    await page.getByTestId('waterfall').waitFor();
    await page.getByTestId('tab-graph').click();
    expect(await graphOnScreen(page, 'trace-graph')).toEqual(expected);
    expect(page.url()).toContain('view=graph');
    await page.screenshot({ path: join(IMAGES, 'agent-graph-trace.png') });
    await screenshot(page, 'agent-graph-trace');
    // back to the waterfall
    await page.getByTestId('tab-waterfall').click();
    await page.getByTestId('waterfall').waitFor();
  });

  it('aggregates the graph over many traces on its own page, as GET /api/agent-graph answers', async () => {
    const expected = await api<AgentGraphJson>('/api/agent-graph?agent=planner&limit=100');
    expect(expected.traces).toBeGreaterThan(1);
    await page.goto(`${server.baseUrl}/agent-graph?range=all&agent=planner&limit=100&models=1`);
    expect(await graphOnScreen(page, 'agent-graph')).toEqual(graphOf(expected));
    // models folded away (the default): agents and tools, and only the edges between them
    await page.getByTestId('graph-show-models').uncheck();
    await expect.poll(() => page.url()).not.toContain('models=1');
    const folded = graphOf({
      ...expected,
      nodes: expected.nodes.filter((n) => n.type !== 'llm'),
      edges: expected.edges.filter((e) => !e.to.startsWith('llm:') && !e.from.startsWith('llm:')),
    });
    await expect.poll(async () => (await graphOnScreen(page, 'agent-graph')).nodes).toEqual(folded.nodes);
    expect((await graphOnScreen(page, 'agent-graph')).edges).toEqual(folded.edges);
    await expect
      .poll(() => page.getByTestId('agent-graph-coverage').textContent())
      .toContain(`${expected.traces} traces`);
    // the loop of tool calls is one edge with its count, not a node per call
    const toolNodes = expected.nodes.filter((n) => n.type === 'tool');
    expect(new Set(toolNodes.map((n) => n.label)).size).toBe(toolNodes.length);
    await page.screenshot({ path: join(IMAGES, 'agent-graph.png'), fullPage: true });
    await screenshot(page, 'agent-graph');
  });

  it('annotates a trace from the trace page: the score shows, is stored as human with its author, and is audited', async () => {
    const [trace] = await multiAgentTraces(1);
    const id = trace!.traceId;
    await page.goto(`${server.baseUrl}/traces/${id}`);
    await page.getByTestId('annotate').click();
    await page.getByTestId('annotate-name').fill('correctness');
    await page.getByTestId('annotate-value').fill('0.5');
    await page.getByTestId('annotate-label').fill('partial');
    await page.getByTestId('annotate-comment').fill('the answer missed one source');
    await page.getByTestId('annotate-save').click();
    const chip = page.locator('[data-testid=score-chip][data-score-name=correctness]');
    await chip.waitFor();
    expect(await chip.textContent()).toContain('0.5 · partial');
    const stored = await api<ApiPage<ScoreJson>>(`/api/scores?traceId=${id}&name=correctness`);
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]).toMatchObject({
      value: 0.5,
      label: 'partial',
      source: 'human',
      comment: 'the answer missed one source',
      traceId: id,
      spanId: null,
      agent: 'planner',
    });
    const audit = await api<AuditPageJson>(`/api/audit?type=score.annotation&traceId=${id}`);
    expect(audit.entries.map((e) => e.subject)).toEqual(['correctness']);
    // a body the server refuses shows its message and stores nothing
    await page.getByTestId('annotate').click();
    await page.getByTestId('annotate-name').fill('empty');
    await page.getByTestId('annotate-save').click();
    await expect.poll(() => page.getByTestId('annotate-error').textContent()).toMatch(/value.*label/);
    expect((await api<ApiPage<ScoreJson>>(`/api/scores?traceId=${id}&name=empty`)).items).toEqual([]);
    await page.getByTestId('annotate').click();
    await page.screenshot({ path: join(IMAGES, 'scores-annotate.png') });
    await screenshot(page, 'scores-annotate');

    // the session page shows the scores of its traces
    // (the demo's runs all belong to sessions)
    const sessionId = trace!.sessionId as string;
    expect(sessionId).toBeTruthy();
    expect(stored.items[0]!.sessionId).toBe(sessionId);
    await page.goto(`${server.baseUrl}/sessions/${encodeURIComponent(sessionId)}`);
    await page
      .getByTestId('session-scores')
      .locator('[data-testid=score-chip][data-score-name=correctness]')
      .waitFor();

    // the agent graph page sums the scores up by agent, as GET /api/scores/summary does
    await page.goto(`${server.baseUrl}/agent-graph?range=all&agent=planner`);
    const row = page.locator('[data-testid=score-summary-row][data-name=correctness][data-agent=planner]');
    await row.waitFor();
    expect(await row.textContent()).toContain('0.50');

    // the trace list filtered by that score finds exactly this trace
    await page.goto(`${server.baseUrl}/traces?range=all&score=${encodeURIComponent('correctness>0.4')}`);
    await expect
      .poll(() =>
        page
          .locator('[data-testid=trace-row]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id'))),
      )
      .toEqual([id]);
  });

  it('compares two runs picked in the trace list, aligned step by step with the differences highlighted', async () => {
    const traces = await multiAgentTraces(2);
    await page.goto(`${server.baseUrl}/traces?range=all&agent=planner`);
    const pick = (traceId: string) =>
      page.locator(`[data-testid=trace-row][data-trace-id="${traceId}"] [data-testid=compare-pick]`).check();
    // the two newest multi-agent runs: a run that differs from the other somewhere
    const [a, b] = [traces[0]!.traceId, traces[1]!.traceId];
    await pick(a);
    await pick(b);
    await page.getByTestId('compare-picked').click();
    await page.getByTestId('compare-table').waitFor();
    expect(new URL(page.url()).searchParams.get('a')).toBe(a);
    expect(new URL(page.url()).searchParams.get('b')).toBe(b);

    const [ta, tb] = await Promise.all([
      api<TraceJson>(`/api/traces/${a}`),
      api<TraceJson>(`/api/traces/${b}`),
    ]);
    const expected = alignTraces(ta.spans.map(toCompareSpan), tb.spans.map(toCompareSpan));
    const rows = await page
      .locator('[data-testid=compare-row]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-type')}|${e.getAttribute('data-diffs')}`));
    expect(rows).toEqual(expected.rows.map((r) => `${r.type}|${r.diffs.join(',')}`));
    // every step of both traces is on screen once
    expect(await page.locator('[data-testid=cmp-a]').count()).toBe(expected.stepsA);
    expect(await page.locator('[data-testid=cmp-b]').count()).toBe(expected.stepsB);
    // two runs of an LLM agent never match to the millisecond: differences are highlighted
    expect(expected.rows.some((r) => r.diffs.length > 0 || r.type !== 'match')).toBe(true);
    expect(await page.locator('.cmp-diff').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(IMAGES, 'trace-compare.png') });
    await screenshot(page, 'trace-compare');

    // swapping sides swaps the columns
    await page.getByTestId('compare-swap').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('a')).toBe(b);
    await expect.poll(() => page.locator('[data-testid=cmp-a]').count()).toBe(expected.stepsB);
  });
});
