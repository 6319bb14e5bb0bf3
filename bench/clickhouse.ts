/**
 * bench:clickhouse — the DuckDB and ClickHouse store engines side by side, in the same run on this
 * machine: durable spans/s through one ingest node (`witness serve`, audit on, 512-span OTLP protobuf
 * batches from a separate load process, a 200 only once the store acknowledged), then the p95 of
 * trace-by-id (GET /api/traces/:id) and of the trace list (GET /api/traces, first page and a
 * filtered page) once the store holds `--spans` spans.
 *
 *   npm run bench:clickhouse [-- --spans 200000 --concurrency 8 --queries 100 --engines duckdb,clickhouse]
 *
 * ClickHouse here is chdb (a real ClickHouse engine, embedded) behind the test-only HTTP server in
 * packages/server/src/store/clickhouse/testing, in its own process; Witness reaches it through
 * @clickhouse/client over HTTP as it would a ClickHouse server. Targets (issue 14), at 10M spans:
 * ingest into ClickHouse ≥ 2× DuckDB, trace by id p95 ≤ 50 ms, list p95 ≤ 300 ms. The default size
 * is smaller so a run takes minutes; the size actually reached is printed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ChdbServer, startChdbServer } from '../packages/server/src/store/clickhouse/test-chdb.js';
import { startWitness, type WitnessProcess } from '../test/helpers/witness-process.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const targetSpans = Number(arg('spans', '200000'));
const concurrency = Number(arg('concurrency', '8'));
const queries = Number(arg('queries', '100'));
const engines = arg('engines', 'duckdb,clickhouse').split(',') as Array<'duckdb' | 'clickhouse'>;
/** Seconds of one load process; the fill runs as many as it takes to reach --spans. */
const slice = Number(arg('slice', '10'));

interface LoadResult {
  batches: number;
  spans: number;
  seconds: number;
  rejected: number;
  failed: number;
}

function runLoad(url: string, seconds: number): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsx, script, '--url', url, '--seconds', String(seconds), '--concurrency', String(concurrency)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load process exited ${code}`)),
    );
  });
}

const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

interface EngineResult {
  engine: string;
  spans: number;
  spansPerSecond: number;
  failed: number;
  rejected: number;
  byIdP95: number;
  listP95: number;
  filteredListP95: number;
}

async function measure(engine: 'duckdb' | 'clickhouse'): Promise<EngineResult> {
  let chdb: ChdbServer | null = null;
  let w: WitnessProcess | null = null;
  try {
    const env: Record<string, string> = {};
    if (engine === 'clickhouse') {
      chdb = await startChdbServer();
      Object.assign(env, {
        WITNESS_STORE_ENGINE: 'clickhouse',
        WITNESS_STORE_CLICKHOUSE_URL: chdb.url,
      });
    }
    w = await startWitness({ env, startTimeoutMs: 120_000 });
    // Fill: load slices until the store holds --spans; ingest rate = all acknowledged / all time.
    let spans = 0;
    let seconds = 0;
    let failed = 0;
    let rejected = 0;
    while (spans < targetSpans) {
      const left = (targetSpans - spans) / Math.max(1, spans / Math.max(seconds, 1e-9));
      const r = await runLoad(w.url, spans === 0 ? slice : Math.max(2, Math.min(slice, Math.ceil(left))));
      spans += r.spans;
      seconds += r.seconds;
      failed += r.failed;
      rejected += r.rejected;
      process.stderr.write(`  ${engine}: ${fmt(spans)} spans stored, ${fmt(spans / seconds)} spans/s\n`);
      if (r.spans === 0) throw new Error(`${engine}: no batch acknowledged in ${fmt(r.seconds)} s`);
    }
    // Trace ids from across the list (several pages), then each query `queries` times.
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5 && ids.length < 2000; page++) {
      const q: string = `${w.url}/api/traces?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = (await (await fetch(q)).json()) as {
        items: Array<{ traceId: string }>;
        nextCursor: string | null;
      };
      ids.push(...body.items.map((i) => i.traceId));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    const byId: number[] = [];
    const list: number[] = [];
    const filtered: number[] = [];
    for (let i = 0; i < queries; i++) {
      byId.push(await timed(`${w.url}/api/traces/${ids[(i * 7919) % ids.length]}`));
      list.push(await timed(`${w.url}/api/traces?limit=50`));
      filtered.push(await timed(`${w.url}/api/traces?limit=50&status=error`));
    }
    return {
      engine,
      spans,
      spansPerSecond: spans / seconds,
      failed,
      rejected,
      byIdP95: p95(byId),
      listP95: p95(list),
      filteredListP95: p95(filtered),
    };
  } finally {
    await w?.stop();
    await chdb?.cleanup();
  }
}

const results: EngineResult[] = [];
for (const engine of engines) results.push(await measure(engine));

console.log(
  `bench:clickhouse  one ingest node, 512-span batches, ${concurrency} requests in flight, audit on; ${queries} queries each`,
);
for (const r of results)
  console.log(
    `  ${r.engine.padEnd(10)} ${fmt(r.spans)} spans stored  ingest ${fmt(r.spansPerSecond)} spans/s${r.failed + r.rejected > 0 ? ` (${r.failed} failed, ${r.rejected} refused)` : ''}  trace-by-id p95 ${r.byIdP95.toFixed(1)} ms  list p95 ${r.listP95.toFixed(1)} ms  list status=error p95 ${r.filteredListP95.toFixed(1)} ms`,
  );
const duck = results.find((r) => r.engine === 'duckdb');
const ch = results.find((r) => r.engine === 'clickhouse');
if (duck && ch) {
  console.log(
    `  ratio clickhouse/duckdb ingest ${(ch.spansPerSecond / duck.spansPerSecond).toFixed(2)} (target ≥ 2), trace-by-id ${(ch.byIdP95 / duck.byIdP95).toFixed(2)}, list ${(ch.listP95 / duck.listP95).toFixed(2)}`,
  );
  console.log(
    `  targets at 10M spans: trace-by-id p95 ≤ 50 ms (${ch.byIdP95 <= 50 ? 'met' : 'missed'} here), list p95 ≤ 300 ms (${ch.listP95 <= 300 ? 'met' : 'missed'} here), at ${fmt(ch.spans)} spans`,
  );
}
