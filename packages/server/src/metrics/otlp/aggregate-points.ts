/**
 * Turns stored OTLP data points into time series per step (pure: points in, series out), the way a
 * user of Grafana would expect: counters as rates or increases (cumulative counters differenced per
 * stream, resets handled), gauges as avg/min/max/last, histograms as quantiles from their buckets.
 */
import type { MetricAgg } from '@witness/protocol';
import type { Series } from '../../store/types.js';
import type { MetricType, Temporality } from './metric-point.js';

export type { MetricAgg } from '@witness/protocol';

/** One stored point as the query reads it back. */
export interface StoredPoint {
  /** Identity of the stream: service + attributes (JSON text). */
  stream: string;
  /** Group labels for this point (from groupBy). */
  group: Record<string, string>;
  timeMs: number;
  /** The stream's start (OTLP start_time_unix_nano) in ms; 0 when unknown. */
  startMs: number;
  type: MetricType;
  temporality: Temporality | null;
  monotonic: boolean | null;
  value: number | null;
  count: number | null;
  sum: number | null;
  /** Explicit bounds + counts (exponential histograms converted), or summary quantiles. */
  bounds: number[] | null;
  bucketCounts: number[] | null;
  quantiles: Array<[number, number]> | null;
}

export interface AggregateOptions {
  agg: MetricAgg;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  /** Most series (largest total first). @default 20 */
  limit?: number;
}

/** The default aggregation for a metric type, as a dashboard would pick it. */
export function defaultAgg(type: MetricType, monotonic: boolean | null): MetricAgg {
  if (type === 'sum') return monotonic ? 'rate' : 'last';
  if (type === 'histogram' || type === 'exponential_histogram' || type === 'summary') return 'p95';
  return 'avg';
}

/** Prometheus-style quantile over bucket counts with linear interpolation inside the bucket. */
export function bucketQuantile(
  q: number,
  bounds: readonly number[],
  counts: readonly number[],
): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const prevCum = cum;
    cum += counts[i];
    if (cum >= rank && counts[i] > 0) {
      const lower = i === 0 ? Math.min(0, bounds[0] ?? 0) : bounds[i - 1];
      // The +Inf bucket has no upper bound: answer its lower bound, as Prometheus does.
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const upper = bounds[i];
      return lower + (upper - lower) * ((rank - prevCum) / counts[i]);
    }
  }
  return bounds[bounds.length - 1] ?? null;
}

/** Exponential histogram buckets as explicit ones (zero and negative counts in the first bucket). */
export function exponentialToExplicit(e: {
  scale: number;
  zeroCount: number;
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
}): { bounds: number[]; counts: number[] } {
  const base = 2 ** (2 ** -e.scale);
  const low = e.zeroCount + e.negative.counts.reduce((a, b) => a + b, 0);
  const bounds = [base ** e.positive.offset];
  const counts = [low];
  e.positive.counts.forEach((c, i) => {
    bounds.push(base ** (e.positive.offset + i + 1));
    counts.push(c);
  });
  counts.push(0); // +Inf
  return { bounds, counts };
}

interface Bucket {
  n: number;
  sum: number;
  min: number;
  max: number;
  /** Per stream: last value (gauges, `last`). */
  lastByStream: Map<string, number>;
  increase: number;
  histBounds: number[] | null;
  histCounts: number[] | null;
  histSum: number;
  histCount: number;
  quantiles: Map<number, number[]>;
}

function newBucket(): Bucket {
  return {
    n: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    lastByStream: new Map(),
    increase: 0,
    histBounds: null,
    histCounts: null,
    histSum: 0,
    histCount: 0,
    quantiles: new Map(),
  };
}

interface Prev {
  value: number;
  count: number;
  sum: number;
  counts: number[] | null;
}

const QUANTILE: Partial<Record<MetricAgg, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** Points must be sorted by time. */
export function aggregatePoints(points: readonly StoredPoint[], o: AggregateOptions): Series[] {
  const stepMs = o.stepSeconds * 1000;
  const start = Math.floor(o.fromMs / stepMs) * stepMs;
  const nBuckets = Math.max(1, Math.ceil((o.toMs - start) / stepMs));
  const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, Bucket> }>();
  const prev = new Map<string, Prev>();

  for (const p of points) {
    if (p.timeMs >= o.toMs) continue;
    if (p.timeMs < o.fromMs) {
      // Before the range (the store reads one step back): only the baseline for cumulative deltas.
      prev.set(p.stream, {
        value: p.value ?? 0,
        count: p.count ?? 0,
        sum: p.sum ?? 0,
        counts: p.bucketCounts,
      });
      continue;
    }
    const key = JSON.stringify(p.group);
    let g = groups.get(key);
    if (!g) {
      g = { labels: p.group, buckets: new Map() };
      groups.set(key, g);
    }
    const bi = Math.floor((p.timeMs - start) / stepMs);
    let b = g.buckets.get(bi);
    if (!b) {
      b = newBucket();
      g.buckets.set(bi, b);
    }
    const cumulative = p.temporality === 'cumulative';
    const before = prev.get(p.stream);
    // A cumulative stream that started inside the window (start time known): everything it counted
    // happened in the window, so its first value is an increase from zero.
    const startedInWindow = p.startMs > 0 && p.startMs >= start;
    if (p.type === 'gauge' || p.type === 'sum') {
      const v = p.value ?? 0;
      b.n++;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.lastByStream.set(p.stream, v);
      // A cumulative counter: the increase since the stream's previous point (a drop is a restart).
      if (cumulative)
        b.increase += before ? (v >= before.value ? v - before.value : v) : startedInWindow ? v : 0;
      else b.increase += v;
      prev.set(p.stream, { value: v, count: 0, sum: 0, counts: null });
      continue;
    }
    // Histograms and summaries: deltas of count/sum (and bucket counts) per stream.
    const count = p.count ?? 0;
    const sum = p.sum ?? 0;
    let dCount = count;
    let dSum = sum;
    let dCounts = p.bucketCounts;
    if (cumulative && before) {
      const reset = count < before.count;
      dCount = reset ? count : count - before.count;
      dSum = reset ? sum : sum - before.sum;
      if (!reset && p.bucketCounts && before.counts && before.counts.length === p.bucketCounts.length) {
        dCounts = p.bucketCounts.map((c, i) => c - (before.counts as number[])[i]);
      }
    } else if (cumulative && !before && !startedInWindow) {
      // First point of a stream that started before the window: its increase here is unknown.
      dCount = 0;
      dSum = 0;
      dCounts = p.bucketCounts ? p.bucketCounts.map(() => 0) : null;
    }
    prev.set(p.stream, { value: 0, count, sum, counts: p.bucketCounts });
    b.n++;
    b.histCount += dCount;
    b.histSum += dSum;
    b.increase += dCount;
    if (p.bounds && dCounts) {
      if (
        !b.histBounds ||
        b.histBounds.length !== p.bounds.length ||
        b.histBounds.some((x, i) => x !== p.bounds?.[i])
      ) {
        // Different bucket layouts in one bucket: keep the first layout (mixed layouts are rare).
        if (!b.histBounds) {
          b.histBounds = p.bounds;
          b.histCounts = dCounts.slice();
        }
      } else if (b.histCounts) {
        for (let i = 0; i < dCounts.length; i++) b.histCounts[i] += dCounts[i];
      }
    }
    if (p.quantiles) {
      for (const [q, v] of p.quantiles) {
        const list = b.quantiles.get(q) ?? [];
        list.push(v);
        b.quantiles.set(q, list);
      }
    }
  }

  const value = (b: Bucket): number | null => {
    const q = QUANTILE[o.agg];
    if (q !== undefined) {
      if (b.histBounds && b.histCounts) return bucketQuantile(q, b.histBounds, b.histCounts);
      const summary = b.quantiles.get(q);
      if (summary) return summary.reduce((a, x) => a + x, 0) / summary.length;
      return null;
    }
    const histogram = b.histCount > 0 || b.histBounds !== null || b.quantiles.size > 0;
    switch (o.agg) {
      case 'avg':
        if (histogram) return b.histCount > 0 ? b.histSum / b.histCount : null;
        return b.n ? b.sum / b.n : null;
      case 'sum':
        return histogram ? b.histSum : b.sum;
      case 'min':
        return b.n ? b.min : null;
      case 'max':
        return b.n ? b.max : null;
      case 'last':
        return [...b.lastByStream.values()].reduce((a, x) => a + x, 0);
      case 'count':
        return histogram ? b.histCount : b.n;
      case 'rate':
        return b.increase / o.stepSeconds;
      case 'increase':
        return b.increase;
      default:
        return null;
    }
  };

  const series: Array<Series & { total: number }> = [];
  for (const g of groups.values()) {
    const pts: Array<[number, number | null]> = [];
    let total = 0;
    for (let i = 0; i < nBuckets; i++) {
      const b = g.buckets.get(i);
      const v = b ? value(b) : null;
      if (v !== null && Number.isFinite(v)) total += Math.abs(v);
      pts.push([start + i * stepMs, v !== null && Number.isFinite(v) ? v : null]);
    }
    series.push({ labels: g.labels, points: pts, total });
  }
  series.sort((a, b) => b.total - a.total);
  return series.slice(0, o.limit ?? 20).map(({ labels, points }) => ({ labels, points }));
}
