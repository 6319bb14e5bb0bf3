import type { Hono } from 'hono';
import type { IngestSink } from '../ingest/types.js';
import { DerivedMetrics, derivedMetricsSink } from './derived-metrics.js';
import { metricsEndpoint } from './metrics-route.js';
import { SelfMetrics } from './self-metrics.js';

export interface MetricsOptions {
  /** Derive metrics from every ingested span (config `metrics.derived`). @default true */
  derived?: boolean;
  /** Most series per derived metric, the overflow series included. @default 2000 */
  seriesLimit?: number;
  /** Node runtime metrics (event loop, GC, heap, CPU). @default true */
  runtime?: boolean;
  version?: string;
}

export interface Metrics {
  /** Null when `derived: false`. */
  derived: DerivedMetrics | null;
  /** Witness's own health: call `self.spansReceived.inc(n)` etc. from the ingest path. */
  self: SelfMetrics;
  /** The ingest sink updating derived metrics (null when `derived: false`): add it to the pipeline. */
  sink: IngestSink | null;
  /** `GET /metrics`; mount at the root. */
  routes: Hono;
}

/** The metrics module's composition: one per server, no global registry (tests run many servers). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const derived = options.derived === false ? null : new DerivedMetrics({ seriesLimit: options.seriesLimit });
  const self = new SelfMetrics({ runtime: options.runtime, version: options.version });
  return {
    derived,
    self,
    sink: derived ? derivedMetricsSink(derived) : null,
    routes: metricsEndpoint(derived, self),
  };
}
