import type { Attributes } from '../../model/index.js';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
export type Temporality = 'cumulative' | 'delta';

/** One OTLP data point, flattened with its metric, resource and scope. */
export interface MetricPoint {
  metric: string;
  type: MetricType;
  unit: string;
  description: string;
  /** Sums and histograms; null for gauges and summaries. */
  temporality: Temporality | null;
  /** Sums only. */
  monotonic: boolean | null;
  serviceName: string;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  attributes: Attributes;
  resource: Attributes;
  scopeName: string;
  /** Gauge and sum value. */
  value: number | null;
  /** Histograms and summaries. */
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  /** Explicit-bucket histogram: upper bounds, and counts (one more than bounds). */
  bounds: number[] | null;
  bucketCounts: number[] | null;
  /** Exponential histogram buckets. */
  exponential: {
    scale: number;
    zeroCount: number;
    positive: { offset: number; counts: number[] };
    negative: { offset: number; counts: number[] };
  } | null;
  /** Summary quantiles: [quantile, value]. */
  quantiles: Array<[number, number]> | null;
}

export function emptyPoint(): MetricPoint {
  return {
    metric: '',
    type: 'gauge',
    unit: '',
    description: '',
    temporality: null,
    monotonic: null,
    serviceName: 'unknown_service',
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    attributes: {},
    resource: {},
    scopeName: '',
    value: null,
    count: null,
    sum: null,
    min: null,
    max: null,
    bounds: null,
    bucketCounts: null,
    exponential: null,
    quantiles: null,
  };
}
