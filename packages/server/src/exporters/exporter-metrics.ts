import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Labels = Record<string, string>;
/** The one method of each metric a runner calls: prom-client's, or the shipping thread's relay of it. */
interface CounterLike {
  inc(labels: Labels, value?: number): void;
}
interface GaugeLike {
  set(labels: Labels, value: number): void;
}
interface HistogramLike {
  observe(labels: Labels, value: number): void;
}

/** Per-exporter series on /metrics, labelled {exporter, type}. */
export interface ExporterMetrics {
  sent: CounterLike;
  rejected: CounterLike;
  failed: CounterLike;
  dropped: CounterLike;
  deadLettered: CounterLike;
  queueItems: GaugeLike;
  queueBytes: GaugeLike;
  queueAge: GaugeLike;
  latency: HistogramLike;
}

/** The counter and histogram members: what a runner in the shipping thread changes (gauges are collected). */
export const RELAYED_METRICS = ['sent', 'rejected', 'failed', 'dropped', 'deadLettered', 'latency'] as const;
export type RelayedMetric = (typeof RELAYED_METRICS)[number];

export function exporterMetrics(registry: Registry, collect: () => void): ExporterMetrics {
  const registers = [registry];
  const labelNames = ['exporter', 'type'] as const;
  return {
    sent: new Counter({
      name: 'witness_exporter_sent_records_total',
      help: 'Records (spans, logs, metric points, samples) the target accepted, by signal.',
      labelNames: [...labelNames, 'signal'],
      registers,
    }),
    rejected: new Counter({
      name: 'witness_exporter_rejected_records_total',
      help: 'Records the target refused inside an accepted request (OTLP partial_success); not retried.',
      labelNames,
      registers,
    }),
    failed: new Counter({
      name: 'witness_exporter_failed_requests_total',
      help: 'Attempts that failed: retryable (retried later) or permanent (the batch went to the dead-letter file).',
      labelNames: [...labelNames, 'reason'],
      registers,
    }),
    dropped: new Counter({
      name: 'witness_exporter_dropped_records_total',
      help: 'Records dropped without being sent: queue_full (per queue.dropPolicy) or corrupt (a torn queue frame after a crash).',
      labelNames: [...labelNames, 'reason'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'witness_exporter_dead_lettered_records_total',
      help: 'Records of batches the target refused permanently (a 4xx other than 408/429), written to the dead-letter file.',
      labelNames,
      registers,
    }),
    queueItems: new Gauge({
      name: 'witness_exporter_queue_records',
      help: 'Records waiting in the exporter queue (in flight included).',
      labelNames,
      registers,
      collect,
    }),
    queueBytes: new Gauge({
      name: 'witness_exporter_queue_bytes',
      help: 'Bytes of the exporter queue on disk not yet shipped.',
      labelNames,
      registers,
    }),
    queueAge: new Gauge({
      name: 'witness_exporter_queue_oldest_age_seconds',
      help: 'Age of the oldest record waiting in the exporter queue (0 when empty): the export lag.',
      labelNames,
      registers,
    }),
    latency: new Histogram({
      name: 'witness_exporter_request_duration_seconds',
      help: 'Duration of one export attempt, by outcome (success, retryable, permanent).',
      labelNames: [...labelNames, 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
