/**
 * bench:metrics — the throughput cost of the derived-metrics stage, measured two ways in one run:
 *
 * 1. In process: ns per span of `DerivedMetrics.observe` on the bench:ingest spans (decoded and
 *    normalized once), against ns per span of decode + normalize of the same batches (the ingest work
 *    the metrics stage adds to), so the ratio does not depend on this machine's speed.
 * 2. Scrapes of a full exposition budget (20,000 distinct services, issue 9): 200 concurrent scrapes
 *    through `GET /metrics` (single flight + cache) against 200 independent renders (what each
 *    scrape cost before), wall time and bytes held.
 * 3. Through the server, as bench:ingest does: `witness serve` with `metrics.derived` off and on
 *    (WITNESS_METRICS_DERIVED), alternated `--rounds` times, median durable spans/s of each.
 *
 *   npm run bench:metrics [-- --seconds 8 --rounds 3 --concurrency 8]
 *
 * Target (issue 5): the server with derived metrics is at most 10% slower than without.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import {
  createMetrics,
  DerivedMetrics,
  type ProjectDerivedMetrics,
} from '../packages/server/src/metrics/index.js';
import { scrapeChunks } from '../packages/server/src/metrics/scrape.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { startWitness } from '../test/helpers/witness-process.js';
import { buildTemplate, payloadFor } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('seconds', '8'));
const rounds = Number(arg('rounds', '3'));
const concurrency = Number(arg('concurrency', '8'));
/** `--server false` runs only the in-process half. */
const withServer = arg('server', 'true') !== 'false';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// 1. In process.
const template = buildTemplate();
const payloads = Array.from({ length: 64 }, (_, i) => payloadFor(template, i, 1).slice());
const batches = payloads.map((p) => {
  const spans = decodeTracesProto(p).spans;
  normalizeSpans(spans);
  return spans;
});
const spansPerPass = batches.reduce((a, b) => a + b.length, 0);

function timePerSpan(fn: () => void, minMs = 1500): number {
  fn(); // warm up
  let passes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    passes++;
  }
  return ((performance.now() - t0) * 1e6) / (passes * spansPerPass);
}

const metrics = new DerivedMetrics();
const observeNs = timePerSpan(() => {
  for (const b of batches) metrics.observe(b);
});
const decodeNs = timePerSpan(() => {
  for (const p of payloads) normalizeSpans(decodeTracesProto(p).spans);
});
console.log(`bench:metrics  in process, ${spansPerPass} spans per pass (bench:ingest batches)`);
console.log(`  derived metrics observe: ${observeNs.toFixed(0)} ns/span`);
console.log(`  decode + normalize:      ${decodeNs.toFixed(0)} ns/span`);
console.log(`  ratio observe / (decode + normalize): ${(observeNs / decodeNs).toFixed(3)}`);

// 2. Scrapes of a full budget.
{
  const SCRAPERS = 200;
  const m = createMetrics({ runtime: false });
  // one project's metrics: the flood below fills its series (and the budget all projects share)
  const derived = (m.derived as ProjectDerivedMetrics).of('default');
  const span = batches[0][0];
  const flood = Array.from({ length: 20_000 }, (_, i) => ({
    ...span,
    serviceName: `tenant-${i}-checkout-service`,
    name: `chat model-${i}`,
  }));
  derived.observe(flood);
  // A real GC before each reading, without asking for node --expose-gc.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  // Now: the endpoint, single flight + cache, every body read to the end and held.
  let base = heap();
  let t0 = performance.now();
  let held: unknown[] | null = await Promise.all(
    Array.from({ length: SCRAPERS }, async () => {
      const res = await m.routes.request('/metrics');
      const chunks: Uint8Array[] = [];
      for await (const c of res.body as ReadableStream<Uint8Array>) chunks.push(c);
      return chunks;
    }),
  );
  const sharedMs = performance.now() - t0;
  const sharedHeld = heap() - base;
  held = null;
  // Baseline: every scraper renders its own exposition (before issue 9), all held until sent.
  base = heap();
  t0 = performance.now();
  let own: Buffer[][] | null = await Promise.all(
    Array.from({ length: SCRAPERS }, () => scrapeChunks(derived, m.self, 'prometheus')),
  );
  const ownMs = performance.now() - t0;
  const ownHeld = heap() - base;
  const bytes = own[0].reduce((a, c) => a + c.length, 0);
  own = null;
  void held;
  void own;
  console.log(
    `bench:metrics  ${SCRAPERS} concurrent scrapes, 20,000 services (${fmt(bytes)} bytes; budget ${fmt(derived.budget.limitBytes)}, charged ${fmt(derived.budget.used)})`,
  );
  console.log(`  one render per scraper (before): ${fmt(ownMs)} ms, ${fmt(ownHeld / 1e6)} MB held`);
  console.log(`  GET /metrics, single flight:     ${fmt(sharedMs)} ms, ${fmt(sharedHeld / 1e6)} MB held`);
  console.log(
    `  ratio time ${(sharedMs / ownMs).toFixed(3)}, memory ${(sharedHeld / ownHeld).toFixed(3)}  (target: one render, bytes ≤ budget)`,
  );
}

// 3. Through the server.
function runLoad(url: string): Promise<{ spans: number; seconds: number; failed: number }> {
  const script = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsx, script, '--url', url, '--seconds', String(seconds), '--concurrency', String(concurrency)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
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

async function throughput(derived: boolean): Promise<number> {
  const w = await startWitness({ env: { WITNESS_METRICS_DERIVED: String(derived) } });
  try {
    const load = await runLoad(w.url);
    if (derived) {
      // Sanity: the metrics stage really ran (and saw every durable span).
      const text = await (await fetch(`${w.url}/metrics`)).text();
      if (!text.includes('witness_spans_total{')) throw new Error('derived metrics are not on /metrics');
    }
    return load.spans / load.seconds;
  } finally {
    await w.stop();
  }
}

if (!withServer) process.exit(0);

const off: number[] = [];
const on: number[] = [];
for (let r = 0; r < rounds; r++) {
  off.push(await throughput(false));
  on.push(await throughput(true));
}
const mOff = median(off);
const mOn = median(on);
console.log(
  `bench:metrics  server, ${rounds} alternating rounds of ${seconds} s, ${concurrency} requests in flight`,
);
console.log(`  metrics.derived=false: ${fmt(mOff)} spans/s  (runs: ${off.map(fmt).join(', ')})`);
console.log(`  metrics.derived=true:  ${fmt(mOn)} spans/s  (runs: ${on.map(fmt).join(', ')})`);
console.log(
  `  ratio on/off: ${(mOn / mOff).toFixed(3)}  → cost ${((1 - mOn / mOff) * 100).toFixed(1)}%  (target ≤ 10%)`,
);
