/**
 * The Store interface: every storage engine (DuckDB now, ClickHouse later) implements it and passes
 * `conformance.ts` unchanged.
 */
import type { LogJson, Page, SpanKind, TraceSummaryJson } from '@witness/protocol';
import type { LogRecord, SpanRecord } from '../model/index.js';

export interface IngestBatch {
  spans: SpanRecord[];
  logs: LogRecord[];
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
  /** `attr.<key>=<value>`: span or resource attribute, compared as text. */
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

export interface Store {
  /**
   * Append one batch. Resolves only once the batch is durable (committed): the OTLP response waits
   * on it. Concurrent calls may be group-committed into one transaction.
   */
  append(batch: IngestBatch): Promise<void>;
  /** All spans of a trace, ordered by start time; null when none. */
  getTrace(traceId: string): Promise<SpanRecord[] | null>;
  /** Traces newest first (by start time), filtered, with cursor pagination. */
  searchTraces(query: TraceQuery): Promise<Page<TraceSummaryJson>>;
  searchLogs(query: LogQuery): Promise<Page<LogJson>>;
  listServices(): Promise<string[]>;
  /** Delete spans and logs that started before the cut-off. */
  deleteOlderThan(cutoffUnixNano: bigint): Promise<RetentionResult>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
