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
import { DEFAULT_PROJECT } from '@witness/protocol';
import type { DuckDbStore } from '../packages/server/src/store/index.js';
import { BASE_NS, benchStore, SPACING_MS, timeRuns } from './bench-store.js';
import { AGENTS, MODEL_NAMES, SPANS_PER_TRACE } from './query-spans.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const TOTAL = Number(arg('spans', process.env.WITNESS_BENCH_SPANS ?? '2000000'));
const SMALL = 100_000;
const RUNS = Number(arg('runs', '20'));
const ONLY = arg('only', '');
const P = DEFAULT_PROJECT;

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

async function timeCase(c: Case, store: DuckDbStore, traces: number): Promise<{ p50: number; p95: number }> {
  try {
    return await timeRuns(RUNS, (i) => c.run(store, traces, i), 2);
  } catch (err) {
    // a read past the store's deadline (10 s) is a figure too: print it rather than stop the bench
    if (err instanceof Error && /deadline/.test(err.message))
      return { p50: Number.NaN, p95: Number.POSITIVE_INFINITY };
    throw err;
  }
}

/**
 * `--only x`: the cases whose label contains x (a re-measure of one endpoint need not time them all);
 * `--only x,y`: containing x or y.
 */
const SELECTED = (): Case[] => CASES.filter((c) => ONLY.split(',').some((o) => c.label.includes(o)));

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`.padStart(10);

async function main(): Promise<void> {
  const small = await benchStore(SMALL, 'analytics-v1');
  const base: Array<{ p50: number; p95: number }> = [];
  const cases = SELECTED();
  for (const c of cases) base.push(await timeCase(c, small, SMALL / SPANS_PER_TRACE));
  await small.close();
  const big = await benchStore(TOTAL, 'analytics-v1');
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
