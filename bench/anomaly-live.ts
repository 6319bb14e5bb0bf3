/**
 * bench:anomaly-live — what live anomaly detection costs the server, each beside a baseline measured
 * in the same run.
 *
 *   npm run bench:anomaly-live [-- --series 2000]
 *
 * 1. ns of CPU per span of the anomaly sink (LiveAnomalies.consume: series and run watches) on the
 *    bench:ingest batches, beside the derived Prometheus metrics (DerivedMetrics.observe), which
 *    every span already pays;
 * 2. bytes per live series with all five measures' detectors and chart rings (heap + array buffers
 *    after N series were fed 200 buckets each), beside the bare detector's bytes (bench:anomaly),
 *    and the same per watched measure (each measure is one streaming series with its own detector:
 *    the unit of issue 11's "memory per live series ≤ 4 KiB").
 */
import { AnomalyDetector, LiveAnomalies } from '../packages/server/src/anomaly/index.js';
import { SeriesWatch, type SpanPoint } from '../packages/server/src/anomaly/live/index.js';
import { DerivedMetrics } from '../packages/server/src/metrics/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { buildTemplate, payloadFor } from './ingest-payload.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SERIES = arg('series', 2000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// 1. CPU per span, alternating the two sinks (the machine is shared: CPU time, median of 5)
const template = buildTemplate();
const batches = Array.from({ length: 64 }, (_, i) => {
  const spans = decodeTracesProto(payloadFor(template, i, 1).slice()).spans;
  normalizeSpans(spans);
  return spans;
});
const spansPerPass = batches.reduce((a, b) => a + b.length, 0);
const cpuNsPerSpan = (fn: () => void, minMs = 1000): number => {
  fn();
  let passes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    passes++;
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / (passes * spansPerPass);
};
const live = new LiveAnomalies();
const derived = new DerivedMetrics();
const liveNs: number[] = [];
const derivedNs: number[] = [];
for (let r = 0; r < 5; r++) {
  derivedNs.push(
    cpuNsPerSpan(() => {
      for (const spans of batches) derived.observe(spans);
    }),
  );
  liveNs.push(
    cpuNsPerSpan(() => {
      for (const spans of batches) live.consume({ spans, logs: [], project: 'default' });
    }),
  );
}
void live.close();

// 2. bytes per live series
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:anomaly-live does)');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const RES = 60_000;
const point = (service: string, b: number, k: number): SpanPoint => ({
  project: 'default',
  traceId: 'a'.repeat(32),
  parentSpanId: 'b'.repeat(16),
  service,
  kind: 'llm',
  agent: null,
  model: null,
  tool: null,
  input: null,
  endMs: b * RES + k,
  durationMs: 100 + ((b * 7 + k) % 13),
  error: (b + k) % 17 === 0,
  tokens: 300 + k,
  cost: 0.001,
});
const before = used();
const watch = new SeriesWatch({
  resolutionMs: RES,
  maxSeries: SERIES,
  idleMs: 1e12,
  threshold: 0.5,
  warmup: 150,
  minCalls: 3,
  maxGapBuckets: 60,
  newId: () => 'x',
});
const out: never[] = [];
for (let b = 0; b < 200; b++)
  for (let s = 0; s < SERIES; s++) for (let k = 0; k < 3; k++) watch.observe(point(`svc-${s}`, b, k), 0, out);
const seriesBytes = (used() - before) / watch.stats.series;
const beforeDet = used();
const keep: AnomalyDetector[] = [];
for (let s = 0; s < SERIES; s++) {
  const d = new AnomalyDetector();
  for (let b = 0; b < 200; b++) d.update(100 + (b % 13), b * RES);
  keep.push(d);
}
const detectorBytes = (used() - beforeDet) / keep.length;

console.log(`bench:anomaly-live  (Node ${process.version}; CPU time, median of 5)`);
console.log(
  `anomaly sink, ns/span          ${fmt(median(liveNs)).padStart(8)}   derived metrics ${fmt(median(derivedNs)).padStart(6)} ns/span   ratio ${(median(liveNs) / median(derivedNs)).toFixed(2)}   (${spansPerPass} spans/pass, bench:ingest batches)`,
);
console.log(
  `bytes per live series (5 measures)  ${fmt(seriesBytes).padStart(8)}   one detector ${fmt(detectorBytes).padStart(6)} B          ratio ${(seriesBytes / detectorBytes).toFixed(2)}   (${fmt(watch.stats.series)} series × 200 buckets)`,
);
console.log(
  `bytes per watched measure           ${fmt(seriesBytes / 5).padStart(8)}   (detector, 32-bucket chart ring, share of the bucket state)   target ≤ 4,096`,
);
