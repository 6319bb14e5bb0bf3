/**
 * bench:query — trace-by-id and filtered trace-list latency at 10 million stored spans, against the
 * same queries on a 100k-span store and a trivial `SELECT 1` round trip, all measured in this run.
 *
 *   npm run bench:query                      # 10M spans (generated once into .bench-data/, ~1–2 min)
 *   WITNESS_BENCH_SPANS=1000000 npm run bench:query
 *
 * Targets (issue 2): trace-by-id p95 ≤ 50 ms, filtered trace list p95 ≤ 300 ms.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpanRecord } from '../packages/server/src/model/index.js';
import {
  type DuckDbStore,
  appendRawForBenchmark,
  encodeCursor,
  openDuckDbStore,
  type TraceQuery,
} from '../packages/server/src/store/index.js';
import { AGENTS, benchTrace, benchTraceId, MODEL_NAMES, SERVICES, SPANS_PER_TRACE } from './query-spans.js';

const TOTAL = Number(process.env.WITNESS_BENCH_SPANS ?? 10_000_000);
const SMALL = Number(process.env.WITNESS_BENCH_BASELINE_SPANS ?? 100_000);
const RUNS = Number(process.env.WITNESS_BENCH_RUNS ?? 40);
const DATA_DIR = join(process.cwd(), '.bench-data');
/** One trace every 1.2 s: 500k traces (10M spans) cover a week. */
const SPACING_MS = 1209.6;
const BASE_NS = 1_760_000_000_000n * 1_000_000n;
/** Traces per Appender batch and per committed transaction. */
const TRACES_PER_BATCH = 25;
const TRACES_PER_TX = 50_000;

const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timeRuns(
  runs: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await fn(runs + i); // warm caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

/** Open the bench database of `spans` spans, generating it first unless a complete one exists. */
async function benchStore(spans: number): Promise<DuckDbStore> {
  const traces = Math.ceil(spans / SPANS_PER_TRACE);
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `query-v1-${traces * SPANS_PER_TRACE}.duckdb`);
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
    const done = last * SPANS_PER_TRACE;
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(
      `\r  generating ${path}: ${done.toLocaleString('en-US')} spans, ${s.toFixed(0)} s, ${Math.round(done / s).toLocaleString('en-US')} spans/s   `,
    );
  }
  process.stderr.write('\n');
  const conn = await store.connect();
  await conn.run(`INSERT INTO witness_meta VALUES ('bench_complete', $1)`, [
    String(traces * SPANS_PER_TRACE),
  ]);
  conn.closeSync();
  await store.close(); // checkpoints: the measured store reads from the file, not the WAL
  return openDuckDbStore({ path });
}

interface Figures {
  spans: number;
  select1: number;
  byId: { p50: number; p95: number };
  lists: Array<{ label: string; p50: number; p95: number; found: number }>;
}

const LISTS: Array<{ label: string; query: (i: number, traces: number) => TraceQuery }> = [
  {
    label: 'list: service + status=error',
    query: (i) => ({ service: SERVICES[i % SERVICES.length], status: 'error' }),
  },
  {
    label: 'list: agent + model',
    query: (i) => ({ agent: AGENTS[i % AGENTS.length], model: MODEL_NAMES[i % MODEL_NAMES.length] }),
  },
  { label: 'list: no filter (newest 50)', query: () => ({}) },
  { label: 'list: session', query: (i) => ({ sessionId: `sess-${(i * 7919) % 1000}` }) },
  // host.name is node-(t % 16) and the service SERVICES[t % 8]: each query matches 1 trace in 16
  {
    label: 'list: attr (resource) + service',
    query: (i) => ({
      service: SERVICES[i % 8],
      attributes: { 'host.name': `node-${(i % 8) + 8 * (i % 2)}` },
    }),
  },
  { label: 'list: no match (rare model + agent)', query: () => ({ agent: 'nobody', model: 'none' }) },
  // a deep page: the cursor of a trace halfway back through the stored history
  {
    label: 'list: page at half the history',
    query: (i, traces) => ({
      cursor: encodeCursor([
        String(BASE_NS + BigInt(Math.round(traces * (0.5 - i / 1000) * SPACING_MS * 1e6))),
        'f'.repeat(32),
      ]),
    }),
  },
];

async function measure(store: DuckDbStore, spans: number): Promise<Figures> {
  const traces = Math.ceil(spans / SPANS_PER_TRACE);
  const conn = await store.connect();
  const select1 = await timeRuns(RUNS * 5, () => conn.runAndReadAll('SELECT 1'));
  conn.closeSync();
  let seed = 12345;
  const byId = await timeRuns(RUNS * 5, async () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const id = benchTraceId(seed % traces);
    const got = await store.getTrace(id);
    if (got?.length !== SPANS_PER_TRACE)
      throw new Error(`trace ${id}: expected ${SPANS_PER_TRACE} spans, got ${got?.length}`);
  });
  const lists: Figures['lists'] = [];
  for (const { label, query } of LISTS) {
    let found = 0;
    const t = await timeRuns(RUNS, async (i) => {
      const page = await store.searchTraces({ limit: 50, ...query(i, traces) });
      found += page.items.length;
    });
    lists.push({ label, ...t, found: found / (RUNS + 3) });
  }
  // The overview charts: a day of p95 latency per model in 5-minute steps, ending at the newest trace.
  const endNs = BASE_NS + BigInt(Math.round(traces * SPACING_MS * 1e6));
  const series = await timeRuns(Math.max(5, RUNS / 4), () =>
    store.spanSeries({
      measure: 'p95',
      groupBy: 'model',
      fromUnixNano: endNs - 86_400n * 1_000_000_000n,
      toUnixNano: endNs,
      stepSeconds: 300,
    }),
  );
  lists.push({ label: 'spanSeries p95 by model, 24 h', ...series, found: 0 });
  const services = await timeRuns(Math.max(5, RUNS / 4), () => store.listServices());
  lists.push({ label: 'listServices', ...services, found: 0 });
  return { spans, select1: select1.p50, byId, lists };
}

const small = await benchStore(SMALL);
const smallFigures = await measure(small, SMALL);
await small.close();
const big = await benchStore(TOTAL);
const stats = await big.stats();
const bigFigures = await measure(big, TOTAL);
await big.close();

const n = (x: number) => x.toLocaleString('en-US');
console.log(
  `bench:query  ${n(stats.spans)} spans (${((stats.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB on disk) vs ${n(SMALL)} spans; ${RUNS} runs per list query, ${RUNS * 5} per lookup`,
);
console.log(
  `  SELECT 1 round trip p50: ${fmtMs(bigFigures.select1)} (small store: ${fmtMs(smallFigures.select1)})`,
);
const row = (
  label: string,
  b: { p50: number; p95: number },
  s: { p50: number; p95: number },
  target: string,
) =>
  console.log(
    `  ${label.padEnd(36)} p50 ${fmtMs(b.p50).padStart(9)}  p95 ${fmtMs(b.p95).padStart(9)}   | at ${n(SMALL)}: p50 ${fmtMs(s.p50).padStart(8)}  ratio p50 ${(b.p50 / s.p50).toFixed(1)}×, vs SELECT 1 ${(b.p50 / bigFigures.select1).toFixed(0)}×  ${target}`,
  );
row('trace by id', bigFigures.byId, smallFigures.byId, '(target p95 ≤ 50 ms)');
for (let i = 0; i < bigFigures.lists.length; i++) {
  const b = bigFigures.lists[i];
  row(b.label, b, smallFigures.lists[i], i < 2 ? '(target p95 ≤ 300 ms)' : '');
}
