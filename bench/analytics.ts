/**
 * bench:analytics — p50/p95 of every analytics read (sessions, users, a session's timeline, usage,
 * funnels) through the Store API on a DuckDB file of `--spans` realistic agent spans (bench:query's
 * generator: 20-span traces over a week, 8 traces per session, 5,000 users), beside the same reads
 * on a 100k-span store measured in the same run (the baseline).
 *
 *   npm run bench:analytics                      (2M spans: a few minutes to generate, once)
 *   npm run bench:analytics -- --spans 10000000  (the size; ~10 min to generate)
 *   npm run bench:analytics -- --runs 20
 *   npm run bench:analytics -- --only usage      (only the cases whose label contains "usage")
 *   npm run bench:analytics -- --only sessions,users,timeline
 *
 * Target (issue 17): sessions and users p95 ≤ 300 ms at 10M spans.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROJECT } from '@witness/protocol';
import type { SpanRecord } from '../packages/server/src/model/index.js';
import {
  type DuckDbStore,
  appendRawForBenchmark,
  openDuckDbStore,
} from '../packages/server/src/store/index.js';
import { AGENTS, benchTrace, MODEL_NAMES, SPANS_PER_TRACE } from './query-spans.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const TOTAL = Number(arg('spans', process.env.WITNESS_BENCH_SPANS ?? '2000000'));
const SMALL = 100_000;
const RUNS = Number(arg('runs', '20'));
const ONLY = arg('only', '');
const DATA_DIR = join(process.cwd(), '.bench-data');
const SPACING_MS = 1209.6;
const BASE_NS = 1_760_000_000_000n * 1_000_000n;
const TRACES_PER_BATCH = 25;
const TRACES_PER_TX = 50_000;
const P = DEFAULT_PROJECT;

async function benchStore(spans: number): Promise<DuckDbStore> {
  const traces = Math.ceil(spans / SPANS_PER_TRACE);
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `analytics-v1-${traces * SPANS_PER_TRACE}.duckdb`);
  if (existsSync(path)) {
    const store = await openDuckDbStore({ path });
    const conn = await store.connect();
    const done = (
      await conn.runAndReadAll(`SELECT value FROM witness_meta WHERE key = 'bench_complete'`)
    ).getRows();
    conn.closeSync();
    if (done.length === 1) return store;
    await store.close();
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
  }
  const store = await openDuckDbStore({ path });
  const t0 = performance.now();
  for (let first = 0; first < traces; first += TRACES_PER_TX) {
    const last = Math.min(traces, first + TRACES_PER_TX);
    function* batches(): Generator<SpanRecord[]> {
      for (let t = first; t < last; t += TRACES_PER_BATCH) {
        const batch: SpanRecord[] = [];
        for (let u = t; u < Math.min(last, t + TRACES_PER_BATCH); u++)
          batch.push(...benchTrace(u, BASE_NS, SPACING_MS));
        yield batch;
      }
    }
    await appendRawForBenchmark(store, batches());
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(
      `\r  generating ${path}: ${(last * SPANS_PER_TRACE).toLocaleString('en-US')} spans, ${s.toFixed(0)} s   `,
    );
  }
  process.stderr.write('\n');
  const conn = await store.connect();
  await conn.run(`INSERT INTO witness_meta VALUES ('bench_complete', $1)`, [
    String(traces * SPANS_PER_TRACE),
  ]);
  conn.closeSync();
  await store.close();
  return openDuckDbStore({ path });
}

interface Case {
  label: string;
  run: (store: DuckDbStore, traces: number, i: number) => Promise<unknown>;
  target?: number;
}

const DAY_NS = 86_400_000_000_000n;
const endOf = (traces: number) => BASE_NS + BigInt(Math.round(traces * SPACING_MS * 1e6));

const CASES: Case[] = [
  { label: 'sessions (newest, page of 50)', target: 300, run: (s) => s.listSessions({ project: P }) },
  { label: 'sessions by cost', target: 300, run: (s) => s.listSessions({ project: P, sort: 'cost' }) },
  {
    label: 'sessions of one agent, min cost',
    target: 300,
    run: (s, _t, i) => s.listSessions({ project: P, agent: AGENTS[i % AGENTS.length], minCostUsd: 0.05 }),
  },
  {
    label: 'sessions, last day',
    target: 300,
    run: (s, t) => s.listSessions({ project: P, fromUnixNano: endOf(t) - DAY_NS }),
  },
  {
    // a range that holds most traces but not all: the traces' rows are grouped, not the group rollup
    label: 'sessions, last 6 days',
    target: 300,
    run: (s, t) => s.listSessions({ project: P, fromUnixNano: endOf(t) - 6n * DAY_NS }),
  },
  { label: 'users (newest)', target: 300, run: (s) => s.listUsers({ project: P }) },
  {
    label: 'users of the last day',
    target: 300,
    run: (s, t) => s.listUsers({ project: P, fromUnixNano: endOf(t) - DAY_NS }),
  },
  { label: 'users by tokens', target: 300, run: (s) => s.listUsers({ project: P, sort: 'tokens' }) },
  {
    label: 'users of one model',
    target: 300,
    run: (s, _t, i) => s.listUsers({ project: P, model: MODEL_NAMES[i % MODEL_NAMES.length] }),
  },
  {
    label: 'session timeline',
    target: 300,
    run: (s, t, i) => s.getSession({ project: P, sessionId: `sess-${(i * 7919) % Math.floor(t / 8)}` }),
  },
  ...(['tool', 'agent', 'model', 'user'] as const).map((by) => ({
    label: `usage by ${by}, whole range`,
    run: (s: DuckDbStore, t: number) =>
      s.usage({ project: P, by, fromUnixNano: BASE_NS, toUnixNano: endOf(t) + 1n, stepSeconds: 3600 * 3 }),
  })),
  {
    label: 'usage by tool, last day',
    run: (s, t) =>
      s.usage({
        project: P,
        by: 'tool',
        fromUnixNano: endOf(t) - DAY_NS,
        toUnixNano: endOf(t),
        stepSeconds: 900,
      }),
  },
  {
    label: 'funnel agent → llm → refund.issue, per session',
    run: (s, t) =>
      s.funnel({
        project: P,
        steps: [{ kind: 'agent' }, { kind: 'llm' }, { tool: 'refund.issue' }],
        by: 'session',
        withinSeconds: 3600,
        fromUnixNano: BASE_NS,
        toUnixNano: endOf(t),
      }),
  },
  {
    label: 'funnel, last day, per user',
    run: (s, t) =>
      s.funnel({
        project: P,
        steps: [{ name: 'reasoning step' }, { tool: 'web.search' }, { tool: 'email.send' }],
        by: 'user',
        withinSeconds: 3600,
        fromUnixNano: endOf(t) - DAY_NS,
        toUnixNano: endOf(t),
      }),
  },
];

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timeCase(c: Case, store: DuckDbStore, traces: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  try {
    for (let i = 0; i < 2; i++) await c.run(store, traces, RUNS + i);
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await c.run(store, traces, i);
      times.push(performance.now() - t0);
    }
  } catch (err) {
    // a read past the store's deadline (10 s) is a figure too: print it rather than stop the bench
    if (err instanceof Error && /deadline/.test(err.message))
      return { p50: Number.NaN, p95: Number.POSITIVE_INFINITY };
    throw err;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

/**
 * `--only x`: the cases whose label contains x (a re-measure of one endpoint need not time them all);
 * `--only x,y`: containing x or y.
 */
const SELECTED = (): Case[] => CASES.filter((c) => ONLY.split(',').some((o) => c.label.includes(o)));

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`.padStart(10);

async function main(): Promise<void> {
  const small = await benchStore(SMALL);
  const base: Array<{ p50: number; p95: number }> = [];
  const cases = SELECTED();
  for (const c of cases) base.push(await timeCase(c, small, SMALL / SPANS_PER_TRACE));
  await small.close();
  const big = await benchStore(TOTAL);
  const traces = Math.ceil(TOTAL / SPANS_PER_TRACE);
  console.log(
    `bench:analytics — ${TOTAL.toLocaleString('en-US')} spans (${traces.toLocaleString('en-US')} traces, ${Math.floor(traces / 8).toLocaleString('en-US')} sessions), ${RUNS} runs each; baseline: the same reads at ${SMALL.toLocaleString('en-US')} spans`,
  );
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const t = await timeCase(c, big, traces);
    const verdict =
      c.target === undefined
        ? ''
        : t.p95 <= c.target
          ? `meets p95 ≤ ${c.target} ms`
          : `MISSES p95 ≤ ${c.target} ms`;
    console.log(
      `  ${c.label.padEnd(48)} p50 ${fmt(t.p50)}  p95 ${fmt(t.p95)}  | 100k p95 ${fmt(base[i].p95)} (×${(t.p95 / base[i].p95).toFixed(1)})  ${verdict}`,
    );
  }
  await big.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
