/**
 * bench:query — trace-list latency on two stores, each figure beside its target and a baseline from
 * the same run:
 *
 * 1. the bulk store: `--spans` realistic agent spans (default 10M, 20-span traces spread over a week,
 *    generated once into .bench-data/) through the Store API: the list as the UI first opens it (first
 *    call after opening, then p50/p95), every single filter, the same filters with values nothing
 *    matches, a deep page and trace by id; baseline: the same queries on a 100k-span store.
 * 2. the burst store: a real `witness serve` filled for `--burst-seconds` by bench:ingest's load
 *    process (16 agent runs per request, all sharing their start times), then the same cases over HTTP
 *    idle, and the list again while the load runs (target p95 ≤ 2× idle, the baseline).
 *
 *   npm run bench:query
 *   npm run bench:query -- --spans 1000000 --burst-seconds 30 --runs 20
 *   npm run bench:query -- --skip-bulk        (or --skip-burst)
 *   npm run bench:query -- --skip-burst --only 'no match'   (list cases whose label matches)
 *
 * Targets (issue 9): unfiltered list p95 ≤ 100 ms at 10M spans, every single filter (no-match
 * included) p95 ≤ 300 ms, trace by id p95 ≤ 50 ms, list during ingest p95 ≤ 2× idle.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWitness } from '../test/helpers/witness-process.js';
import { DEFAULT_PROJECT } from '@witness/protocol';
import { type CaseQuery, type CaseValues, type ListCase, listCases, toSearchParams } from './query-cases.js';
import { encodeCursor } from '../packages/server/src/store/index.js';
import { BASE_NS, benchStore, SPACING_MS, timeRuns } from './bench-store.js';
import { AGENTS, benchTraceId, MODEL_NAMES, SERVICES, SPANS_PER_TRACE } from './query-spans.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const TOTAL = Number(arg('spans', process.env.WITNESS_BENCH_SPANS ?? '10000000'));
const SMALL = Number(process.env.WITNESS_BENCH_BASELINE_SPANS ?? 100_000);
const RUNS = Number(arg('runs', process.env.WITNESS_BENCH_RUNS ?? '40'));
/** `--only <regex>`: just the list cases whose label matches (to alternate builds quickly). */
const ONLY = new RegExp(arg('only', ''));
const BURST_SECONDS = Number(arg('burst-seconds', '60'));
/** One trace every 1.2 s: 500k traces (10M spans) cover a week. */
/** Traces per Appender batch and per committed transaction. */

const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

interface Timing {
  p50: number;
  p95: number;
  /** Items of the last answer (to show matches vs no-match). */
  found: number;
}

function bulkValues(traces: number): CaseValues {
  const mid = BASE_NS + BigInt(Math.round((traces / 2) * SPACING_MS * 1e6));
  return {
    services: SERVICES,
    kinds: ['tool', 'llm', 'decision'],
    names: ['decision next_action', 'execute_tool web.search'],
    agents: AGENTS,
    models: MODEL_NAMES,
    sessions: Array.from({ length: 50 }, (_, i) => `sess-${Math.floor((traces * (i + 0.5)) / 50 / 8)}`),
    users: Array.from({ length: 50 }, (_, i) => `user-${i * 97}@example.com`),
    attributes: [
      ['gen_ai.tool.name', 'web.search'],
      ['host.name', 'node-3'],
    ],
    longMs: 20_000,
    hour: [mid, mid + 3_600_000_000_000n],
  };
}

async function timeCase(
  c: ListCase,
  search: (q: CaseQuery) => Promise<{ items: unknown[] }>,
): Promise<Timing> {
  let found = 0;
  try {
    const t = await timeRuns(RUNS, async (i) => {
      found = (await search({ limit: 50, ...c.query(i) })).items.length;
    });
    return { ...t, found };
  } catch (err) {
    // A run past the store's deadline (10 s) is a figure too: print it rather than stop the bench.
    if (err instanceof Error && /deadline/.test(err.message))
      return { p50: Number.NaN, p95: Number.POSITIVE_INFINITY, found };
    throw err;
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const verdict = (p95: number, target: number) => (p95 <= target ? 'meets' : 'MISSES');
function printRow(label: string, t: Timing, target: number, baseline: Timing | null, baseName: string): void {
  const base = baseline
    ? `| ${baseName} p50 ${fmtMs(baseline.p50).padStart(8)} p95 ${fmtMs(baseline.p95).padStart(8)} (×${(t.p95 / baseline.p95).toFixed(1)} p95)`
    : '';
  console.log(
    `  ${label.padEnd(40)} p50 ${fmtMs(t.p50).padStart(9)}  p95 ${fmtMs(t.p95).padStart(9)}  target p95 ≤ ${String(target).padStart(3)} ms ${verdict(t.p95, target).padEnd(6)} ${String(t.found).padStart(3)} found ${base}`,
  );
}

async function bulk(): Promise<void> {
  const traces = Math.ceil(TOTAL / SPANS_PER_TRACE);
  const smallTraces = Math.ceil(SMALL / SPANS_PER_TRACE);
  const small = await benchStore(SMALL, 'query-v1');
  const smallCases = listCases(bulkValues(smallTraces)).filter((c) => ONLY.test(c.label));
  const smallTimes: Timing[] = [];
  for (const c of smallCases)
    smallTimes.push(await timeCase(c, (q) => small.searchTraces({ project: DEFAULT_PROJECT, ...q })));
  await small.close();

  const big = await benchStore(TOTAL, 'query-v1');
  // The first call after opening: cold caches, as the UI's first visit after a restart.
  const t0 = performance.now();
  await big.searchTraces({ project: DEFAULT_PROJECT, limit: 50 });
  const first = performance.now() - t0;
  const stats = await big.stats();
  const conn = await big.connect();
  const select1 = await timeRuns(RUNS * 5, () => conn.runAndReadAll('SELECT 1'));
  conn.closeSync();
  let seed = 12345;
  const byId = await timeRuns(RUNS * 5, async () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const got = await big.getTrace(DEFAULT_PROJECT, benchTraceId(seed % traces));
    if (got?.length !== SPANS_PER_TRACE) throw new Error('trace by id: wrong span count');
  });
  const cases = listCases(bulkValues(traces)).filter((c) => ONLY.test(c.label));
  console.log(
    `bench:query bulk store: ${n(stats.spans)} spans (${((stats.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB, 20-span traces over a week) vs ${n(SMALL)} spans; ${RUNS} runs per case; SELECT 1 p50 ${fmtMs(select1.p50)}`,
  );
  console.log(`  first list call after opening (cold): ${fmtMs(first)}`);
  printRow('trace by id', { ...byId, found: 1 }, 50, null, '');
  for (let i = 0; i < cases.length; i++)
    printRow(
      cases[i].label,
      await timeCase(cases[i], (q) => big.searchTraces({ project: DEFAULT_PROJECT, ...q })),
      cases[i].target,
      smallTimes[i],
      `at ${n(SMALL)}`,
    );
  const deep = await timeCase(
    {
      label: 'page at half the history (cursor)',
      target: 300,
      query: (i) => ({
        cursor: encodeCursor([
          String(BASE_NS + BigInt(Math.round(traces * (0.5 - i / 1000) * SPACING_MS * 1e6))),
          'f'.repeat(32),
        ]),
      }),
    },
    (q) => big.searchTraces({ project: DEFAULT_PROJECT, ...q }),
  );
  await big.close();

  printRow('page at half the history (cursor)', deep, 300, null, '');
}

// ---- the burst store, through witness serve ----

function runLoad(url: string, seconds: number): Promise<{ spans: number; seconds: number }> {
  const script = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsx, script, '--url', url, '--seconds', String(seconds), '--concurrency', '8'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load process exited ${code}`)),
    );
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface SpanJsonLite {
  name: string;
  kind: string;
  model: string | null;
  agentName: string | null;
  sessionId: string | null;
  userId: string | null;
  attributes: Record<string, unknown>;
  startTimeUnixNano: string;
}

async function burstValues(url: string): Promise<CaseValues> {
  const page = await getJson<{ items: Array<{ traceId: string }> }>(`${url}/api/traces?limit=5`);
  const spans: SpanJsonLite[] = [];
  for (const item of page.items)
    spans.push(...(await getJson<{ spans: SpanJsonLite[] }>(`${url}/api/traces/${item.traceId}`)).spans);
  const distinct = (xs: Array<string | null>) => [...new Set(xs.filter((x): x is string => !!x))];
  const services = (await getJson<{ services: string[] }>(`${url}/api/services`)).services;
  const tool = spans.find((s) => typeof s.attributes['gen_ai.tool.name'] === 'string');
  const start = BigInt(spans[0].startTimeUnixNano);
  return {
    services,
    kinds: distinct(spans.map((s) => s.kind)).filter((k) => k !== 'agent'),
    names: distinct(spans.map((s) => s.name)).slice(0, 3),
    agents: distinct(spans.map((s) => s.agentName)),
    models: distinct(spans.map((s) => s.model)),
    sessions: distinct(spans.map((s) => s.sessionId)),
    users: distinct(spans.map((s) => s.userId)),
    attributes: [['gen_ai.tool.name', String(tool?.attributes['gen_ai.tool.name'] ?? 'run_tests')]],
    longMs: 5_000,
    hour: [start - 1_800_000_000_000n, start + 1_800_000_000_000n],
  };
}

async function burst(): Promise<void> {
  const w = await startWitness({ env: { WITNESS_LOG_LEVEL: 'warn' } });
  try {
    process.stderr.write(`  filling a store through witness serve for ${BURST_SECONDS} s…\n`);
    const fill = await runLoad(w.url, BURST_SECONDS);
    const http = (q: CaseQuery) => getJson<{ items: unknown[] }>(`${w.url}/api/traces?${toSearchParams(q)}`);
    const t0 = performance.now();
    await http({});
    const first = performance.now() - t0;
    const cases = listCases(await burstValues(w.url));
    const idle: Timing[] = [];
    for (const c of cases) idle.push(await timeCase(c, http));
    // The same cases while bench:ingest's load runs against the same server.
    const busySeconds = Math.max(30, RUNS * 2);
    const load = runLoad(w.url, busySeconds);
    await new Promise((r) => setTimeout(r, 2000));
    const during: Timing[] = [];
    const duringCases = cases.filter((c) =>
      [
        'no filter (newest 50, as the UI opens)',
        'status=error',
        'agent',
        'attr.<key>',
        'no match: attr value',
      ].includes(c.label),
    );
    for (const c of duringCases) during.push(await timeCase(c, http));
    const loaded = await load;
    const stats = await getJson<{ services: string[] }>(`${w.url}/api/services`);
    console.log(
      `bench:query burst store via witness serve: ${n(fill.spans)} spans ingested in ${fill.seconds.toFixed(0)} s (16 agent runs per request sharing start times; services ${stats.services.join(', ')}); ${RUNS} runs per case, over HTTP`,
    );
    console.log(`  first list call: ${fmtMs(first)}`);
    for (let i = 0; i < cases.length; i++) printRow(cases[i].label, idle[i], cases[i].target, null, '');
    console.log(
      `  during ingest (${n(Math.round(loaded.spans / loaded.seconds))} spans/s arriving), baseline = the same case idle above, target p95 ≤ 2× idle:`,
    );
    for (let i = 0; i < duringCases.length; i++) {
      const idleTime = idle[cases.indexOf(duringCases[i])];
      const ratio = during[i].p95 / idleTime.p95;
      console.log(
        `  ${duringCases[i].label.padEnd(40)} p50 ${fmtMs(during[i].p50).padStart(9)}  p95 ${fmtMs(during[i].p95).padStart(9)}  | idle p95 ${fmtMs(idleTime.p95).padStart(8)}  ratio ${ratio.toFixed(2)}× ${ratio <= 2 ? 'meets' : 'MISSES'} (≤ 2×)`,
      );
    }
  } finally {
    await w.stop();
  }
}

if (!flag('skip-bulk')) await bulk();
if (!flag('skip-burst')) await burst();
