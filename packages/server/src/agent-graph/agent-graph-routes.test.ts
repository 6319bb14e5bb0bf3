/**
 * GET /api/agent-graph against a real DuckDB file: the aggregate over many traces equals the graph
 * built from each trace read alone, and its deadline answers with what it has, marked truncated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentGraphJson, buildAgentGraph } from '@witness/protocol';
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_PROJECT } from '@witness/protocol';
import { openDuckDbStore } from '../store/duckdb/duckdb-store.js';
import { makeSpan, SEC, T0, traceIdOf } from '../store/test-records.js';
import type { Store } from '../store/types.js';
import { agentGraphRoutes } from './agent-graph-routes.js';
import { toGraphSpan } from './graph-spans.js';

const TRACES = 120; // more than one read batch
let dir: string;
let store: Store;

/** A planner that calls a worker agent, which calls a tool `per` times. */
function run(trace: number, per: number) {
  const start = T0 + BigInt(trace) * SEC;
  const agent = (n: number, parent: number | null, name: string) =>
    makeSpan({ trace, n, parent, name, start, durationMs: 50, fields: { kind: 'agent', agentName: name } });
  const tools = Array.from({ length: per }, (_, i) =>
    makeSpan({
      trace,
      n: 3 + i,
      parent: 2,
      name: 'search',
      start: start + BigInt(i) * 1_000_000n,
      durationMs: 1,
      fields: { kind: 'tool', toolName: 'search' },
    }),
  );
  return [agent(1, null, 'planner'), agent(2, 1, `worker-${trace % 3}`), ...tools];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agent-graph-'));
  store = await openDuckDbStore({ path: join(dir, 'witness.duckdb'), threads: 1 });
  for (let t = 1; t <= TRACES; t++)
    await store.append({ project: DEFAULT_PROJECT, spans: run(t, 1 + (t % 4)), logs: [] });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function app(deadlineMs?: number) {
  return new Hono().route('/api', agentGraphRoutes({ store: () => store, deadlineMs }));
}

it('aggregates the newest traces exactly as the graph of their spans read one by one', async () => {
  const res = await app().request('/api/agent-graph?agent=planner&limit=500');
  expect(res.status).toBe(200);
  const got = (await res.json()) as AgentGraphJson;
  expect(got.traces).toBe(TRACES);
  expect(got.truncated).toBeFalsy();
  const spans = [];
  for (let t = 1; t <= TRACES; t++) spans.push(...(await store.getTrace(DEFAULT_PROJECT, traceIdOf(t)))!);
  expect(got).toEqual(JSON.parse(JSON.stringify(buildAgentGraph(spans.map(toGraphSpan)))));
  const tool = got.edges.filter((e) => e.to === 'tool:search').reduce((n, e) => n + e.count, 0);
  expect(tool).toBe(Array.from({ length: TRACES }, (_, i) => 1 + ((i + 1) % 4)).reduce((a, b) => a + b));
});

it('answers with what it read, marked truncated, once its deadline has passed', async () => {
  const got = (await (
    await app(-1).request('/api/agent-graph?agent=planner&limit=500')
  ).json()) as AgentGraphJson;
  expect(got.truncated).toBe(true);
  expect(got.traces).toBeLessThan(TRACES);
});
