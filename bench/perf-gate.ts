/**
 * perf:gate — the CI performance gate (issue 16). Starts a fresh `witness serve` and measures ratios
 * against baselines taken in the same run on the same machine (absolute times on a shared 2-core box
 * mean nothing), then compares them with bench/perf-baseline.json within its tolerances:
 *
 * - ingest_vs_decode: spans/s Witness acknowledges (closed loop, 8 requests in flight, the load
 *   generator's multi-agent payloads: one traces and one logs request per agent run) ÷ spans/s this
 *   process decodes from the same payloads with the server's own OTLP decoder. Higher is better.
 * - query_load_vs_idle: median latency of the UI's queries while `witness load --profile load` runs ÷
 *   their median with nothing else running. Lower is better.
 *
 * A metric past its tolerance is measured once more before it counts (a neighbour's build can spoil
 * one measurement; a real regression shows twice). Exit 1 on a regression.
 *
 *   npm run perf:gate [-- --json] [-- --update-baseline]
 *
 * WITNESS_FAULT_INGEST_DELAY_MS (test-only, fault/) is passed to the server: test/perf-gate.e2e.test.ts
 * uses it to show the gate fails on a deliberate slowdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpClient, PayloadPool, runLoad } from '../packages/cli/src/load/index.js';
import { decodeLogsProto, decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { startWitness, type WitnessProcess } from '../test/helpers/witness-process.js';

const BASELINE = fileURLToPath(new URL('./perf-baseline.json', import.meta.url));
const json = process.argv.includes('--json');
const update = process.argv.includes('--update-baseline');

interface MetricSpec {
  value: number;
  better: 'higher' | 'lower';
  /** Allowed relative change in the bad direction (0.5: half of a higher-is-better value). */
  tolerance: number;
  description: string;
}
interface Baseline {
  measuredOn: string;
  metrics: Record<string, MetricSpec>;
}

const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spans/s decoded by the server's own decoder from the generator's payloads, in this process. */
function decodeRate(pool: PayloadPool, ms: number): number {
  const batch = Array.from({ length: 64 }, () => pool.take());
  let spans = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  while (performance.now() < end)
    for (const it of batch) {
      spans += decodeTracesProto(it.traces).spans.length;
      decodeLogsProto(it.logs);
    }
  return spans / ((performance.now() - t0) / 1000);
}

/** Spans/s the server acknowledges, 8 agent runs in flight, for `ms`. */
async function ingestRate(
  url: string,
  pool: PayloadPool,
  ms: number,
): Promise<{ rate: number; failed: number }> {
  const client = new HttpClient({ base: url, maxSockets: 32 });
  let spans = 0;
  let failed = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const it = pool.take();
        const [t, l] = await Promise.all([
          client.send('POST', '/v1/traces', it.traces),
          client.send('POST', '/v1/logs', it.logs),
        ]);
        if (t.status === 200) spans += it.spans;
        else failed++;
        if (l.status !== 200) failed++;
      }
    }),
  );
  client.close();
  return { rate: spans / ((performance.now() - t0) / 1000), failed };
}

/**
 * Interleaved, so both sides see the same neighbours: 4 rounds of 0.5 s decoding and 2 s ingesting,
 * the ratio of the summed rates.
 */
async function ingestVsDecode(w: WitnessProcess): Promise<number> {
  const pool = new PayloadPool('perf-gate', 11);
  let decode = 0;
  let ingest = 0;
  for (let round = 0; round < 4; round++) {
    decode += decodeRate(pool, 500);
    const r = await ingestRate(w.url, pool, 2_000);
    if (r.failed > 0) throw new Error(`${r.failed} ingest requests failed during the gate`);
    ingest += r.rate;
  }
  return ingest / decode;
}

/** Medians, not p95s: 40 idle samples give a stable median and a noisy tail on a shared machine. */
async function queryLoadVsIdle(w: WitnessProcess): Promise<number> {
  const r = await runLoad({
    target: w.url,
    profile: 'load',
    rate: 600,
    durationMs: 30_000,
    idleMs: 10_000,
    readRate: 4,
    preload: 300,
  });
  if (r.ingest.failed + r.query.failed > 0)
    throw new Error(`requests failed during the gate: ${r.errors.join('; ')}`);
  if (r.query.idle.p50 <= 0 || r.query.load.count === 0) throw new Error('no query latency measured');
  return r.query.load.p50 / r.query.idle.p50;
}

const MEASURE: Record<string, (w: WitnessProcess) => Promise<number>> = {
  ingest_vs_decode: ingestVsDecode,
  query_load_vs_idle: queryLoadVsIdle,
};

function regressed(spec: MetricSpec, value: number): boolean {
  return spec.better === 'higher'
    ? value < spec.value * (1 - spec.tolerance)
    : value > spec.value * (1 + spec.tolerance);
}

const delay = process.env.WITNESS_FAULT_INGEST_DELAY_MS;
const w = await startWitness({ env: delay ? { WITNESS_FAULT_INGEST_DELAY_MS: delay } : {} });
const rows: Array<{ metric: string; measured: number[]; baseline: number; limit: number; ok: boolean }> = [];
try {
  // a short warm-up: the first requests of a fresh server compile and open everything
  await ingestRate(w.url, new PayloadPool('perf-gate-warmup', 5), 2_000);
  await sleep(500);
  for (const [name, measure] of Object.entries(MEASURE)) {
    const spec = baseline.metrics[name];
    if (!spec) throw new Error(`${BASELINE} has no baseline for ${name}`);
    const measured = [Math.round((await measure(w)) * 10_000) / 10_000];
    if (!update && regressed(spec, measured[0]))
      measured.push(Math.round((await measure(w)) * 10_000) / 10_000); // confirm it
    const limit =
      spec.better === 'higher' ? spec.value * (1 - spec.tolerance) : spec.value * (1 + spec.tolerance);
    rows.push({
      metric: name,
      measured,
      baseline: spec.value,
      limit,
      ok: !measured.every((v) => regressed(spec, v)),
    });
  }
} finally {
  await w.stop();
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
if (update) {
  for (const r of rows) baseline.metrics[r.metric].value = round(Math.min(...r.measured));
  baseline.measuredOn = new Date().toISOString().slice(0, 10);
  writeFileSync(BASELINE, `${JSON.stringify(baseline, null, 2)}\n`);
}
const passed = rows.every((r) => r.ok);
if (json) {
  process.stdout.write(
    `${JSON.stringify({ passed, faultIngestDelayMs: Number(delay ?? 0), rows }, null, 2)}\n`,
  );
} else {
  console.log(
    `perf:gate  (baseline ${BASELINE}, measured ${baseline.measuredOn})${delay ? `  FAULT: ingest delay ${delay} ms` : ''}`,
  );
  for (const r of rows) {
    const spec = baseline.metrics[r.metric];
    console.log(
      `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.metric.padEnd(20)} ${r.measured.map(round).join(' then ')}  baseline ${r.baseline}  ${spec.better === 'higher' ? '≥' : '≤'} ${round(r.limit)}  (${spec.description})`,
    );
  }
  console.log(
    passed ? 'perf:gate passed' : 'perf:gate FAILED: a regression beyond the tolerance, measured twice',
  );
}
process.exitCode = passed ? 0 : 1;
