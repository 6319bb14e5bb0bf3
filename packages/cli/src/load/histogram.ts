/**
 * Latency histograms (HdrHistogram, 3 significant digits, microsecond resolution up to 2 minutes): a
 * fixed footprint however many requests a soak records, and percentiles that are not averages of
 * averages.
 */
import { build, type Histogram } from 'hdr-histogram-js';

const MAX_US = 120_000_000;

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class Latency {
  private readonly h: Histogram = build({
    bitBucketSize: 32,
    highestTrackableValue: MAX_US,
    numberOfSignificantValueDigits: 3,
  });

  /** Records one latency in milliseconds (clamped to the histogram's range). */
  record(ms: number): void {
    this.h.recordValue(Math.min(MAX_US, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** A percentile in ms (0 when nothing was recorded). */
  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000;
  }

  add(other: Latency): void {
    this.h.add(other.h);
  }

  reset(): void {
    this.h.reset();
  }

  summary(): LatencySummary {
    const n = this.h.totalCount;
    const round = (us: number) => Math.round(us) / 1000;
    return {
      count: n,
      p50: n ? round(this.h.getValueAtPercentile(50)) : 0,
      p95: n ? round(this.h.getValueAtPercentile(95)) : 0,
      p99: n ? round(this.h.getValueAtPercentile(99)) : 0,
      max: n ? round(this.h.maxValue) : 0,
      mean: n ? round(this.h.mean) : 0,
    };
  }
}
