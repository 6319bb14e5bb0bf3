/**
 * bench:anomaly — speed and memory of the streaming detector, each beside a trivial baseline
 * measured in the same run (an exponentially weighted running mean: the cheapest "detector").
 *
 *   npm run bench:anomaly [-- --points 2000000 --series 10000]
 *
 * 1. points/s of AnomalyDetector.update per CPU second (process.cpuUsage: the machine is shared,
 *    so wall time would count other processes), median of 5 passes over a synthetic daily series
 *    with spikes, beside the running mean;
 * 2. points/s of scoreSeriesCsv (parse CSV, score, format: what `witness anomaly score` does
 *    between reading and writing the file);
 * 3. bytes of state per live series: heap + array buffers after creating N detectors (each fed
 *    two days of 5-minute points so every buffer is allocated), divided by N.
 * Targets (issue 11): ≥ 1,000,000 points/s per core; ≤ 4 KiB per series.
 */
import { AnomalyDetector, scoreSeriesCsv } from '../packages/server/src/anomaly/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('points', 2_000_000);
const SERIES = arg('series', 10_000);
const STEP = 300_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

let seed = 42;
const rnd = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const values = new Float64Array(N);
for (let i = 0; i < N; i++) {
  values[i] = 100 + 30 * Math.sin((2 * Math.PI * i) / 288) + 5 * rnd() + (rnd() < 1e-4 ? 200 : 0);
}

class RunningMean {
  private mean = 0;
  update(x: number): number {
    this.mean += 0.01 * (x - this.mean);
    return Math.abs(x - this.mean);
  }
}

function pass(make: () => { update(x: number, t: number): number }): number {
  const d = make();
  let sink = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) sink += d.update(values[i], i * STEP);
  if (Number.isNaN(sink)) throw new Error('NaN score');
  return N / cpuSeconds(c0);
}

/**
 * CPU seconds this process used since c0: "per core" throughput. The machine is shared, so wall
 * time would count the time other processes held the core.
 */
function cpuSeconds(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const detRates: number[] = [];
const baseRates: number[] = [];
for (let r = 0; r < 5; r++) {
  baseRates.push(pass(() => new RunningMean()));
  detRates.push(pass(() => new AnomalyDetector()));
}
const det = median(detRates);
const base = median(baseRates);

// CSV end to end (1/4 of the points: the text is ~40 bytes a row)
const rows = Math.min(N, 500_000);
const lines = ['timestamp,value'];
const t0 = Date.UTC(2014, 0, 1);
for (let i = 0; i < rows; i++) {
  lines.push(
    `${new Date(t0 + i * STEP).toISOString().slice(0, 19).replace('T', ' ')},${values[i].toFixed(4)}`,
  );
}
const csv = Buffer.from(lines.join('\n'));
const csvRates: number[] = [];
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage();
  const out = scoreSeriesCsv(csv);
  csvRates.push(rows / cpuSeconds(c0));
  if (out.length < csv.length) throw new Error('short output');
}

// memory per live series
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:anomaly does)');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
function bytesPerSeries<T extends { update(x: number, t: number): number }>(make: () => T): number {
  const before = used();
  const keep: T[] = [];
  for (let s = 0; s < SERIES; s++) {
    const d = make();
    for (let i = 0; i < 576; i++) d.update(values[(s * 577 + i) % N], i * STEP); // two days
    keep.push(d);
  }
  const bytes = (used() - before) / SERIES;
  if (keep.length !== SERIES) throw new Error('unreachable');
  return bytes;
}
const baseBytes = bytesPerSeries(() => new RunningMean());
const detBytes = bytesPerSeries(() => new AnomalyDetector());

console.log(`bench:anomaly  (${fmt(N)} points, median of 5; Node ${process.version})`);
console.log(`                                   measured        baseline (running mean)   ratio   target`);
console.log(
  `detector points/s per core   ${fmt(det).padStart(14)}   ${fmt(base).padStart(14)}            ${(det / base).toFixed(3)}   ≥ 1,000,000`,
);
console.log(
  `CSV in → scores out, points/s ${fmt(median(csvRates)).padStart(13)}   (${fmt(rows)} rows, median of 3)          ≥ 1,000,000`,
);
console.log(
  `bytes of state per series    ${fmt(detBytes).padStart(14)}   ${fmt(baseBytes).padStart(14)}            ${(detBytes / baseBytes).toFixed(1)}x   ≤ 4,096`,
);
