/**
 * What bench:query and bench:analytics share: the DuckDB file of N realistic agent spans
 * (./query-spans.ts, written through the store's Appender path; generated once under .bench-data/
 * and reused while complete) and the timing loop that turns a read into p50/p95.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpanRecord } from '../packages/server/src/model/index.js';
import {
  type DuckDbStore,
  appendRawForBenchmark,
  openDuckDbStore,
} from '../packages/server/src/store/index.js';
import { benchTrace, SPANS_PER_TRACE } from './query-spans.js';

export const DATA_DIR = join(process.cwd(), '.bench-data');
/** One trace every 1.2096 s: 10M spans (500k traces) cover a week. */
export const SPACING_MS = 1209.6;
export const BASE_NS = 1_760_000_000_000n * 1_000_000n;
const TRACES_PER_BATCH = 25;
const TRACES_PER_TX = 50_000;

/**
 * Opens the bench database `<name>-<spans>.duckdb`, generating it first unless a complete one exists
 * (a run stopped mid-generation leaves no `bench_complete` mark, and the file is made again).
 */
export async function benchStore(spans: number, name: string): Promise<DuckDbStore> {
  const traces = Math.ceil(spans / SPANS_PER_TRACE);
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `${name}-${traces * SPANS_PER_TRACE}.duckdb`);
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

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** p50/p95 of `runs` calls of `fn(i)`, after `warmups` calls (i = runs, runs + 1…) that warm caches. */
export async function timeRuns(
  runs: number,
  fn: (i: number) => Promise<unknown>,
  warmups = 3,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmups; i++) await fn(runs + i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}
