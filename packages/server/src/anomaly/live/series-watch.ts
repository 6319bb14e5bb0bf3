/**
 * Live series: every service, agent, model and tool of every project, bucketed in time (by span end,
 * the moment a call finished, which is also roughly when it arrives), each bucket's call count, error
 * ratio, p95 latency, tokens and cost fed to one streaming AnomalyDetector per measure. Pure apart from
 * the ids it draws: callers pass `now`, so the state machine is tested without clocks.
 *
 * Bounds: at most `maxSeries` series (idle ones are evicted first; beyond the cap new series are refused
 * and counted, so a flood of fresh names cannot evict the series whose history is worth keeping); each
 * series is a few detectors (~2.6 KiB each, created only for the measures it has) and a ring of the last
 * WINDOW buckets per measure for the chart.
 */
import { ANOMALY_SERIES_METRICS, type AnomalySeriesMetric } from '@witness/protocol';
import { AnomalyDetector } from '../anomaly-detector.js';
import { type AnomalyEvent, type AnomalyLabels, fmt } from './anomaly-event.js';
import { LatencyHistogram } from './latency-histogram.js';

/** What the watches need of a span (filled from a SpanRecord by `spanPoint`). */
export interface SpanPoint {
  project: string;
  traceId: string;
  parentSpanId: string | null;
  service: string;
  kind: string;
  agent: string | null;
  model: string | null;
  tool: string | null;
  /** Tool arguments / prompt as text, for loop detection. */
  input: string | null;
  endMs: number;
  durationMs: number;
  error: boolean;
  /** Tokens and cost of LLM and embedding calls only (an agent span's totals would count them twice). */
  tokens: number;
  cost: number;
}

export interface SeriesWatchOptions {
  /** Bucket width, ms. */
  resolutionMs: number;
  /** Most series watched at once. */
  maxSeries: number;
  /** A series not observed for this long (wall clock) is evicted. */
  idleMs: number;
  /** Score at which a bucket becomes an event (0.5 = the detector's alarm level). */
  threshold: number;
  /** Buckets scored 0 while a series' detectors settle. */
  warmup: number;
  /** Error ratio and latency events need this many calls in the bucket (one slow call is not a pattern). */
  minCalls: number;
  /** Empty buckets between two busy ones are fed as zero calls up to this gap; a longer silence restarts the count. */
  maxGapBuckets: number;
  newId: () => string;
}

/** Buckets of history kept per measure for the chart of an event. */
export const WINDOW = 32;
/** `calls` events need this many calls in the bucket or expected there. */
export const MIN_RATE_CALLS = 10;
type Dimension = 'service' | 'agent' | 'model' | 'tool';
const TOOL_METRICS: readonly AnomalySeriesMetric[] = ['calls', 'error_ratio', 'latency_p95'];
const UNITS: Record<AnomalySeriesMetric, string> = {
  calls: ' calls',
  error_ratio: '',
  latency_p95: ' ms',
  tokens: ' tokens',
  cost: ' USD',
};

class Track {
  detector: AnomalyDetector | null = null;
  /**
   * The last WINDOW buckets as (bucket − base, value, expected) triples in one Float32Array (384 bytes):
   * bucket offsets from the series' first bucket stay exact in float32 for 30 years of minutes.
   */
  readonly ring = new Float32Array(3 * WINDOW);
  pos = 0;
  len = 0;

  remember(offset: number, value: number, expected: number): void {
    this.ring[3 * this.pos] = offset;
    this.ring[3 * this.pos + 1] = value;
    this.ring[3 * this.pos + 2] = expected;
    this.pos = (this.pos + 1) % WINDOW;
    this.len = Math.min(WINDOW, this.len + 1);
  }

  points(base: number, resolutionMs: number): [number, number, number | null][] {
    const out: [number, number, number | null][] = [];
    for (let i = 0; i < this.len; i++) {
      const at = 3 * ((this.pos - this.len + i + WINDOW) % WINDOW);
      const expected = this.ring[at + 2]!;
      out.push([
        (base + this.ring[at]!) * resolutionMs,
        this.ring[at + 1]!,
        Number.isNaN(expected) ? null : expected,
      ]);
    }
    return out;
  }
}

class Series {
  readonly tracks = new Map<AnomalySeriesMetric, Track>();
  /** Open bucket index (floor(endMs / resolution)), -1 when none is open. */
  open = -1;
  /** Last bucket fed to the detectors. */
  fed = -1;
  /** First bucket fed (chart times are kept relative to it). */
  base = -1;
  lastSeenMs = 0;
  calls = 0;
  errors = 0;
  tokens = 0;
  cost = 0;
  readonly latency = new LatencyHistogram();
  slowestMs = -1;
  slowestTrace: string | null = null;
  errorTrace: string | null = null;
  costliest = -1;
  costliestTrace: string | null = null;

  constructor(
    readonly project: string,
    readonly labels: AnomalyLabels,
    readonly metrics: readonly AnomalySeriesMetric[],
  ) {}

  add(p: SpanPoint): void {
    this.calls++;
    this.tokens += p.tokens;
    this.cost += p.cost;
    this.latency.add(p.durationMs);
    if (p.durationMs > this.slowestMs) {
      this.slowestMs = p.durationMs;
      this.slowestTrace = p.traceId;
    }
    if (p.error) {
      this.errors++;
      this.errorTrace ??= p.traceId;
    }
    if (p.cost + p.tokens > this.costliest && p.cost + p.tokens > 0) {
      this.costliest = p.cost + p.tokens;
      this.costliestTrace = p.traceId;
    }
  }

  reset(): void {
    this.calls = this.errors = this.tokens = this.cost = 0;
    this.latency.clear();
    this.slowestMs = this.costliest = -1;
    this.slowestTrace = this.errorTrace = this.costliestTrace = null;
  }

  value(metric: AnomalySeriesMetric): number | null {
    switch (metric) {
      case 'calls':
        return this.calls;
      case 'error_ratio':
        return this.calls > 0 ? this.errors / this.calls : null;
      case 'latency_p95':
        return this.latency.quantile(0.95);
      // a bucket without calls says nothing about spend per call: only `calls` is fed zero for a gap
      case 'tokens':
        return this.calls > 0 ? this.tokens : null;
      case 'cost':
        return this.calls > 0 ? this.cost : null;
    }
  }

  traceFor(metric: AnomalySeriesMetric): string | null {
    if (metric === 'error_ratio') return this.errorTrace ?? this.slowestTrace;
    if (metric === 'tokens' || metric === 'cost') return this.costliestTrace ?? this.slowestTrace;
    return this.slowestTrace;
  }
}

export interface SeriesWatchStats {
  series: number;
  /** New series refused because `maxSeries` were watched and none was idle. */
  refused: number;
  evicted: number;
  /** Spans whose bucket was already closed (they are stored; only the detectors miss them). */
  late: number;
}

export class SeriesWatch {
  private readonly series = new Map<string, Series>();
  private readonly counters = { refused: 0, evicted: 0, late: 0 };
  /** When the cap is reached and nothing is idle, no series can become idle before this (skips rescans). */
  private noIdleBefore = 0;

  constructor(private readonly options: SeriesWatchOptions) {}

  get stats(): SeriesWatchStats {
    return { series: this.series.size, ...this.counters };
  }

  /** Adds a span to its series' open buckets; returns events of buckets it closed. */
  observe(p: SpanPoint, nowMs: number, out: AnomalyEvent[]): void {
    this.to('service', p.service, p, nowMs, out);
    if (p.agent !== null) this.to('agent', p.agent, p, nowMs, out);
    if (p.model !== null && (p.kind === 'llm' || p.kind === 'embedding'))
      this.to('model', p.model, p, nowMs, out);
    if (p.tool !== null && p.kind === 'tool') this.to('tool', p.tool, p, nowMs, out);
  }

  /**
   * Closes buckets that can no longer receive spans (`now` past their end plus one bucket of lateness),
   * feeds silent series zero calls up to now (a series that stops is news too), evicts idle series.
   */
  tick(nowMs: number, out: AnomalyEvent[]): void {
    const res = this.options.resolutionMs;
    const closable = Math.floor(nowMs / res) - 2; // buckets ≤ this ended at least one bucket ago
    for (const [key, s] of this.series) {
      if (nowMs - s.lastSeenMs > this.options.idleMs) {
        this.series.delete(key);
        this.counters.evicted++;
        continue;
      }
      if (s.open !== -1 && s.open <= closable) {
        this.close(s, out);
        s.open = -1;
      }
      if (
        s.open === -1 &&
        s.fed !== -1 &&
        closable > s.fed &&
        closable - s.fed <= this.options.maxGapBuckets
      ) {
        for (let b = s.fed + 1; b <= closable; b++) this.feed(s, b, out);
      }
    }
  }

  private to(dim: Dimension, value: string, p: SpanPoint, nowMs: number, out: AnomalyEvent[]): void {
    const key = `${p.project}\u0000${dim}\u0000${p.service}\u0000${value}`;
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.options.maxSeries && !this.evictIdle(nowMs)) {
        this.counters.refused++;
        return;
      }
      const labels: AnomalyLabels = { service: p.service, agent: null, model: null, tool: null };
      if (dim !== 'service') labels[dim] = value;
      s = new Series(p.project, labels, dim === 'tool' ? TOOL_METRICS : ANOMALY_SERIES_METRICS);
      this.series.set(key, s);
    }
    s.lastSeenMs = nowMs;
    const bucket = Math.floor(p.endMs / this.options.resolutionMs);
    if (s.open === -1) {
      if (bucket <= s.fed) {
        this.counters.late++;
        return;
      }
      this.fillGap(s, bucket, out);
      s.open = bucket;
    } else if (bucket > s.open) {
      this.close(s, out);
      this.fillGap(s, bucket, out);
      s.open = bucket;
    } else if (bucket < s.open) {
      this.counters.late++;
      return;
    }
    s.add(p);
  }

  /** Empty buckets before `bucket` count as zero calls when the gap is short (else history restarts there). */
  private fillGap(s: Series, bucket: number, out: AnomalyEvent[]): void {
    if (s.fed === -1 || bucket - s.fed - 1 > this.options.maxGapBuckets) return;
    for (let b = s.fed + 1; b < bucket; b++) this.feed(s, b, out);
  }

  private close(s: Series, out: AnomalyEvent[]): void {
    this.feed(s, s.open, out);
    s.reset();
  }

  /** Feeds bucket `b` (the accumulators, zero when it is a gap) to every measure's detector. */
  private feed(s: Series, b: number, out: AnomalyEvent[]): void {
    const timeMs = b * this.options.resolutionMs;
    s.fed = b;
    if (s.base === -1) s.base = b;
    for (const metric of s.metrics) {
      const value = s.value(metric);
      if (value === null) continue; // no calls: no latency, no error ratio
      let track = s.tracks.get(metric);
      if (track === undefined) {
        // tokens and cost only for series that ever had some: most tools and services have none
        if ((metric === 'tokens' || metric === 'cost') && value === 0) continue;
        track = new Track();
        s.tracks.set(metric, track);
      }
      track.detector ??= new AnomalyDetector({ warmup: this.options.warmup });
      const d = track.detector;
      const warm = d.seen >= this.options.warmup;
      const expected = d.expected;
      const spread = d.spread;
      const score = d.update(value, timeMs);
      track.remember(b - s.base, value, warm ? expected : Number.NaN);
      if (score < this.options.threshold) continue;
      if ((metric === 'error_ratio' || metric === 'latency_p95') && s.calls < this.options.minCalls) continue;
      // a handful of calls is no rate: agent traffic comes in bursts (one run, several calls), so a
      // sparse series' 0, 0, 1, 0, 3 is ordinary however surprising to a detector that learnt zeros
      if (metric === 'calls' && Math.max(value, expected) < MIN_RATE_CALLS) continue;
      const what = s.labels.tool ?? s.labels.model ?? s.labels.agent ?? s.labels.service;
      out.push({
        id: this.options.newId(),
        project: s.project,
        kind: 'series',
        metric,
        labels: s.labels,
        timeMs,
        score,
        value,
        expected,
        lower: expected - 3 * spread,
        upper: expected + 3 * spread,
        traceIds: s.calls > 0 ? [s.traceFor(metric)].filter((t): t is string => t !== null) : [],
        message: `${metric} of ${what} was ${fmt(value)}${UNITS[metric]}, expected about ${fmt(expected)}${UNITS[metric]}`,
        points: track.points(s.base, this.options.resolutionMs),
      });
    }
  }

  private evictIdle(nowMs: number): boolean {
    if (nowMs < this.noIdleBefore) return false;
    let oldestKey: string | null = null;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, s] of this.series) {
      if (s.lastSeenMs < oldest) {
        oldest = s.lastSeenMs;
        oldestKey = key;
      }
    }
    // only a series silent for more than a bucket and a half: an active one keeps its learned history
    if (oldestKey === null || nowMs - oldest < 1.5 * this.options.resolutionMs) {
      this.noIdleBefore = oldest + 1.5 * this.options.resolutionMs;
      return false;
    }
    this.series.delete(oldestKey);
    this.counters.evicted++;
    return true;
  }
}
