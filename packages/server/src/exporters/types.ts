import type { ExporterConfig, ExportSignal } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { MetricPoint } from '../metrics/index.js';
import type { LogRecord, SpanRecord } from '../model/index.js';

/** One sample of a derived metric (Witness's span-derived series), as Prometheus would scrape it. */
export interface MetricSample {
  /** The series name, e.g. `witness_llm_tokens_total`. */
  name: string;
  /** Its labels, `project` included (the name is not a label here). */
  labels: Record<string, string>;
  value: number;
  timestampMs: number;
}

/**
 * What an exporter is handed: records of ONE project, already normalized, redacted and governed (the
 * pipeline's stages ran before the store), filtered by the exporter's `filter`, and limited to the
 * signals the exporter takes. Spans are only those the store newly stored, so a retried or replayed
 * span is exported once.
 */
export interface ExportBatch {
  project: string;
  spans: SpanRecord[];
  logs: LogRecord[];
  /** OTLP metric points as received on /v1/metrics. */
  points: MetricPoint[];
  /** Derived metric samples (only for exporters that ask for them, see `Exporter.samplesIntervalMs`). */
  samples: MetricSample[];
}

/**
 * How one attempt ended (expected outcomes are values, not exceptions — OpenTelemetry's
 * export-response.ts). The runner retries `retryable` with backoff, writes `permanent` to the dead-letter
 * file and moves on, and acknowledges `success`.
 */
export type ExportResult =
  | {
      kind: 'success';
      /** Records the target said it refused (OTLP partial_success): counted, not retried. */
      rejected?: number;
      message?: string;
    }
  | {
      kind: 'retryable';
      error: string;
      /** The target's Retry-After, ms (honoured up to retry.maxRetryAfterMs). */
      retryAfterMs?: number;
      /** HTTP status, when there was one. */
      status?: number;
    }
  | {
      kind: 'permanent';
      error: string;
      status?: number;
    };

/** Which records a pre-encoded queue frame holds (one signal per frame). */
export type FrameSignal = 'spans' | 'logs' | 'points';

/** A queue frame an exporter's `codec` wrote, handed back to its `sendEncoded`. */
export interface EncodedFrame {
  signal: FrameSignal;
  body: Buffer;
  items: number;
}

/**
 * Optional: an exporter may queue its own wire encoding instead of the normalized records (JSON), when
 * its requests concatenate (OTLP: concatenated Export*ServiceRequests are one valid request). Frames
 * are then encoded once at enqueue — shared by every exporter with the same `key` and filter — and a
 * batch is a byte concatenation: no JSON, no re-encoding per exporter (bench:exporters).
 */
export interface QueueCodec {
  /** Exporters with equal keys (and equal filters) share one encoding of each flush. */
  readonly key: string;
  /**
   * The bytes may be a view of the codec's reused scratch buffer: valid only until its next call (the
   * hub copies them into the queue frame at once), so that one flush allocates one buffer, not two.
   */
  encode(
    signal: FrameSignal,
    records: readonly SpanRecord[] | readonly LogRecord[] | readonly MetricPoint[],
  ): Uint8Array;
}

/** What an exporter's `send` may use besides the batch. */
export interface SendContext {
  /** Aborted when the attempt times out (config timeoutMs) or the server closes. */
  signal: AbortSignal;
}

/**
 * A forwarder to one backend. The framework owns everything around it — the disk queue, batching,
 * retries, dead letters, metrics — so an exporter only says what it takes and how one batch goes out.
 * `send` must not throw for an expected outcome (a refusal, a 5xx, a network error): it returns an
 * ExportResult. A throw is treated as retryable and logged as a bug.
 */
export interface Exporter {
  readonly name: string;
  readonly type: string;
  /** The signals this exporter can send (the config's `signals` narrows them). */
  readonly signals: ReadonlySet<ExportSignal>;
  /**
   * When set, the framework samples the derived metrics this often and queues them as `samples`
   * (Prometheus remote write). Unset: the exporter gets no samples.
   */
  readonly samplesIntervalMs?: number;
  /** Encode and deliver one batch (one project). Called one at a time per exporter, never concurrently. */
  send(batch: ExportBatch, ctx: SendContext): Promise<ExportResult>;
  /** With `codec`: its frames take this road (samples still go through `send`). */
  readonly codec?: QueueCodec;
  /** Delivers the codec's frames of one project (in queue order). Required with `codec`. */
  sendEncoded?(project: string, frames: EncodedFrame[], ctx: SendContext): Promise<ExportResult>;
  /**
   * The largest request the target takes, when it is below the framework's 8 MiB: the runner keeps a
   * batch's queued bytes under it (OTLP/gRPC: servers refuse messages over 4 MiB by default, a refusal
   * that is permanent, so a backlog shipped in bigger batches after an outage would be dead-lettered).
   */
  readonly maxRequestBytes?: number;
  /** Releases connections (gRPC channels, SDK clients). */
  close?(): Promise<void> | void;
}

/** What a factory gets besides its own config section. */
export interface ExporterContext {
  /** Where secrets named by env come from (the CLI passes process.env; core code reads no env). */
  env: Record<string, string | undefined>;
  logger: Logger;
}

/** Builds an exporter from its config member; throws ExporterConfigError for a config it cannot use. */
export type ExporterFactory<C extends ExporterConfig = ExporterConfig> = (
  config: C,
  ctx: ExporterContext,
) => Exporter;

/** A config that passed the schema but cannot run (a secret file that does not exist, an env var unset). */
export class ExporterConfigError extends Error {
  constructor(
    readonly exporter: string,
    message: string,
  ) {
    super(`exporters.${exporter}: ${message}`);
    this.name = 'ExporterConfigError';
  }
}
