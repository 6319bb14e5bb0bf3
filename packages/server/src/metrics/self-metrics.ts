/**
 * Witness's own health, on the same /metrics endpoint: what came in, what was refused and why, how long
 * batches and commits take, how full the ingest queue is, how big the store and audit log are, plus
 * Node runtime metrics (event-loop lag, GC, heap, CPU) from prom-client's default collectors. Not on the
 * per-span path, so prom-client is used as is.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Signal = 'traces' | 'logs' | 'metrics';

/** Runs before each scrape to refresh gauges that are read rather than pushed (store size…). */
export type Collector = () => void | Promise<void>;

export interface SelfMetricsOptions {
  /** Node runtime metrics (event loop, GC, heap, CPU). @default true */
  runtime?: boolean;
  /** Reported as witness_build_info{version}. */
  version?: string;
}

export class SelfMetrics {
  readonly registry = new Registry();
  /** Spans accepted into the pipeline. */
  readonly spansReceived: Counter;
  readonly logsReceived: Counter;
  readonly metricPointsReceived: Counter;
  /** Requests or items refused, by signal and reason (bad_request, too_large, saturated, unavailable…). */
  readonly rejected: Counter<'signal' | 'reason'>;
  /** From body read to answer, per OTLP request. */
  readonly batchDuration: Histogram<'signal'>;
  /** Store append (commit) latency. */
  readonly commitDuration: Histogram;
  /** Requests being ingested now, and the bound before 429. */
  readonly queueDepth: Gauge;
  readonly queueCapacity: Gauge;
  readonly queueBytes: Gauge;
  readonly storeSizeBytes: Gauge;
  readonly storeSpans: Gauge;
  /** DuckDB's buffer-manager memory now, and its memory_limit (absent with ClickHouse). */
  readonly storeMemoryBytes: Gauge;
  readonly storeMemoryLimitBytes: Gauge;
  /** Background WAL checkpoints (DuckDB), by result, and how long the last one held the writer. */
  readonly storeCheckpoints: Counter<'result'>;
  readonly storeCheckpointLastSeconds: Gauge;
  readonly storeLogs: Gauge;
  readonly auditLogEntries: Gauge;
  readonly auditLogSizeBytes: Gauge;
  /** Unix seconds of the newest signed audit checkpoint (0 before the first). */
  readonly auditLastCheckpoint: Gauge;
  /** Errors of non-durable sinks (metrics, exporters), which never reach the client. */
  readonly sinkErrors: Counter<'sink'>;
  /** PII and secret values redacted at ingest (redact/), by detector. */
  readonly redactions: Counter<'detector'>;
  /** Policy violations recorded at ingest (governance/). */
  readonly governanceViolations: Counter<'policy' | 'severity'>;
  /** LLM outputs with prescriptive language, by phrase type (governance/). */
  readonly prescriptiveLanguage: Counter<'type'>;
  private readonly collectors: Collector[] = [];

  constructor(options: SelfMetricsOptions = {}) {
    const registers = [this.registry];
    this.spansReceived = new Counter({
      name: 'witness_ingest_spans_received_total',
      help: 'Spans accepted by OTLP ingest.',
      registers,
    });
    this.logsReceived = new Counter({
      name: 'witness_ingest_logs_received_total',
      help: 'Log records accepted by OTLP ingest.',
      registers,
    });
    this.metricPointsReceived = new Counter({
      name: 'witness_ingest_metric_points_received_total',
      help: 'Metric data points accepted by OTLP ingest.',
      registers,
    });
    this.rejected = new Counter({
      name: 'witness_ingest_rejected_total',
      help: 'OTLP requests or items refused, by signal and reason.',
      labelNames: ['signal', 'reason'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'witness_ingest_batch_duration_seconds',
      help: 'Time from receiving an OTLP request to answering it (after commit).',
      labelNames: ['signal'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'witness_store_commit_duration_seconds',
      help: 'Time to make one batch durable in the store.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'witness_ingest_queue_depth',
      help: 'OTLP requests being ingested now.',
      registers,
    });
    this.queueCapacity = new Gauge({
      name: 'witness_ingest_queue_capacity',
      help: 'Most OTLP requests ingested at once before new ones get 429.',
      registers,
    });
    this.queueBytes = new Gauge({
      name: 'witness_ingest_queue_bytes',
      help: 'Decoded bytes being ingested now.',
      registers,
    });
    this.storeSizeBytes = new Gauge({
      name: 'witness_store_size_bytes',
      help: 'Size of the store on disk.',
      registers,
    });
    this.storeSpans = new Gauge({ name: 'witness_store_spans', help: 'Spans held by the store.', registers });
    this.storeMemoryBytes = new Gauge({
      name: 'witness_store_memory_bytes',
      help: "Memory DuckDB's buffer manager holds in this process (cached blocks, rows appended since the last checkpoint, query state); bounded by store.duckdb.memoryLimit.",
      registers,
    });
    this.storeMemoryLimitBytes = new Gauge({
      name: 'witness_store_memory_limit_bytes',
      help: "DuckDB's memory_limit (store.duckdb.memoryLimit, or the default derived from the machine).",
      registers,
    });
    this.storeCheckpoints = new Counter({
      name: 'witness_store_background_checkpoints_total',
      help: 'WAL checkpoints the store ran between commit groups once the WAL passed 32 MiB (DuckDB), by result (ok, failed); commits wait while one runs.',
      labelNames: ['result'],
      registers,
    });
    this.storeCheckpointLastSeconds = new Gauge({
      name: 'witness_store_background_checkpoint_last_duration_seconds',
      help: 'How long the last background WAL checkpoint held the store writer (DuckDB).',
      registers,
    });
    this.storeLogs = new Gauge({
      name: 'witness_store_logs',
      help: 'Log records held by the store.',
      registers,
    });
    this.auditLogEntries = new Gauge({
      name: 'witness_audit_log_entries',
      help: 'Entries (leaves) in the audit log.',
      registers,
    });
    this.auditLogSizeBytes = new Gauge({
      name: 'witness_audit_log_size_bytes',
      help: 'Size of the audit log on disk.',
      registers,
    });
    this.auditLastCheckpoint = new Gauge({
      name: 'witness_audit_last_checkpoint_timestamp_seconds',
      help: 'Unix time of the newest signed audit checkpoint.',
      registers,
    });
    this.redactions = new Counter({
      name: 'witness_redactions_total',
      help: 'PII and secret values redacted at ingest, by detector.',
      labelNames: ['detector'],
      registers,
    });
    this.governanceViolations = new Counter({
      name: 'witness_governance_violations_total',
      help: 'Policy violations recorded at ingest, by policy and severity.',
      labelNames: ['policy', 'severity'],
      registers,
    });
    this.prescriptiveLanguage = new Counter({
      name: 'witness_prescriptive_language_total',
      help: 'LLM outputs with prescriptive language, by phrase type.',
      labelNames: ['type'],
      registers,
    });
    this.sinkErrors = new Counter({
      name: 'witness_ingest_sink_errors_total',
      help: 'Errors of non-durable ingest sinks (derived metrics, exporters).',
      labelNames: ['sink'],
      registers,
    });
    new Gauge({
      name: 'witness_build_info',
      help: 'Witness version.',
      labelNames: ['version'],
      registers,
    }).set({ version: options.version ?? 'dev' }, 1);
    if (options.runtime ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Refresh read-on-scrape gauges with `fn` before every scrape. */
  addCollector(fn: Collector): void {
    this.collectors.push(fn);
  }

  /** Runs the collectors; one failing does not fail the scrape (its gauges keep their last value). */
  async collect(): Promise<void> {
    await Promise.all(
      this.collectors.map(async (fn) => {
        try {
          await fn();
        } catch {
          // a collector reading the store while it closes, for example: keep the last value
        }
      }),
    );
  }
}
