/**
 * The Store interface: every storage engine (DuckDB now, ClickHouse later) implements it and passes
 * `conformance.ts` unchanged.
 */
import type { LogJson, Page, SpanGroup, SpanKind, SpanMeasure, TraceSummaryJson } from '@witness/protocol';
import type { LogRecord, SpanRecord } from '../model/index.js';

export interface IngestBatch {
  spans: SpanRecord[];
  logs: LogRecord[];
}

/** What `append` did: the spans it newly stored (duplicates of stored or in-flight spans left out). */
export interface AppendResult {
  spans: SpanRecord[];
}

export interface AppendOptions {
  /**
   * Starts once the batch's spans new to the store are claimed (no other append can store them); gets
   * those spans and every log. It runs while they are written, and the store commits them only after
   * it resolved: if it rejects, nothing of the batch is committed, the claims are released and
   * `append` rejects (other batches of the same group commit may be rolled back with it and reject
   * too). The audit log hangs here: a stored span is always an audited one.
   */
  beforeCommit?: (fresh: IngestBatch) => Promise<void>;
}

export interface TraceQuery {
  service?: string;
  kind?: SpanKind;
  /** Exact span name; matches when any span of the trace has it. */
  name?: string;
  status?: 'ok' | 'error';
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Bounds on the trace's start time, epoch nanoseconds. */
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  sessionId?: string;
  userId?: string;
  agent?: string;
  model?: string;
  /** `attr.<key>=<value>`: span or resource attribute, compared as text; at most 10 (MAX_ATTRIBUTE_FILTERS). */
  attributes?: Record<string, string>;
  /** 1..1000, default 50. */
  limit?: number;
  cursor?: string;
}

export interface LogQuery {
  traceId?: string;
  service?: string;
  /** Minimum severity number (1..24) or severity text (INFO, WARN…). */
  severity?: string;
  /** Case-insensitive substring of the body. */
  q?: string;
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  limit?: number;
  cursor?: string;
}

/** What a span-derived time series measures (per step bucket). */
export type SeriesMeasure = SpanMeasure;

export type SeriesGroupBy = SpanGroup;

export interface SpanSeriesQuery {
  measure: SeriesMeasure;
  /** One series per value; spans without the field (no model on a tool span) belong to no series. */
  groupBy?: SeriesGroupBy;
  fromUnixNano: bigint;
  toUnixNano: bigint;
  stepSeconds: number;
  filter?: { service?: string; kind?: SpanKind; agent?: string; model?: string; tool?: string };
  /** Most series returned (largest first); default 20. */
  limit?: number;
}

export interface Series {
  labels: Record<string, string>;
  /** [bucket start epoch ms, value]; durations in ms, rate per second, cost in USD. */
  points: Array<[number, number | null]>;
}

export interface RetentionResult {
  deletedSpans: number;
  deletedLogs: number;
}

export interface StoreStats {
  spans: number;
  logs: number;
  /** Bytes on disk, when the engine knows. */
  bytes: number | null;
}

/** How a caller bounds one read. */
export interface ReadOptions {
  /**
   * Aborting it stops the query (the HTTP layer passes the request's signal, which aborts when the
   * client disconnects); the read then rejects with `StoreQueryInterrupted`.
   */
  signal?: AbortSignal;
}

/**
 * Every read method takes `ReadOptions` and runs under the engine's deadline; a read stopped by the
 * deadline, its signal or shutdown rejects with `StoreQueryInterrupted` (HTTP 503).
 */
export interface Store {
  /**
   * Append one batch. Resolves only once the batch is durable (committed): the OTLP response waits
   * on it. Concurrent calls may be group-committed into one transaction.
   *
   * Idempotent per span: a span's identity is (trace id, span id). A span the store already holds,
   * or that appears twice in the batch, is stored once; one that a concurrent append is writing is
   * left to it, and this call then resolves only once that one did (it rejects if that one failed).
   * Logs have no identity and are always appended. Resolves with the spans newly stored.
   */
  append(batch: IngestBatch, options?: AppendOptions): Promise<AppendResult>;
  /** All spans of a trace, ordered by start time; null when none. */
  getTrace(traceId: string, options?: ReadOptions): Promise<SpanRecord[] | null>;
  /** Traces newest first (by start time), filtered, with cursor pagination. */
  searchTraces(query: TraceQuery, options?: ReadOptions): Promise<Page<TraceSummaryJson>>;
  searchLogs(query: LogQuery, options?: ReadOptions): Promise<Page<LogJson>>;
  listServices(options?: ReadOptions): Promise<string[]>;
  /** Time series derived from spans: rate, errors, latency percentiles, tokens, cost per step. */
  spanSeries(query: SpanSeriesQuery, options?: ReadOptions): Promise<Series[]>;
  /** Delete spans and logs that started before the cut-off. */
  deleteOlderThan(cutoffUnixNano: bigint): Promise<RetentionResult>;
  stats(options?: ReadOptions): Promise<StoreStats>;
  close(): Promise<void>;
}
