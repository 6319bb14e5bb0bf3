/**
 * Every byte Witness exchanges with ClickHouse goes through this one helper, over the official
 * `@clickhouse/client` (HTTP). It adds what each call site would otherwise repeat:
 * - a deadline per read: `max_execution_time` on the server plus an abort of the HTTP request a
 *   little later (a server that stopped answering cannot hold a request open), mapped to
 *   `StoreQueryInterrupted` like the DuckDB engine's interrupted reads (HTTP 503);
 * - retry of idempotent reads on connection errors (a restarted node, a reset keep-alive socket);
 *   writes are never retried here — the caller's append fails and the exporter (or spool) retries,
 *   which the idempotent span identity makes safe;
 * - settings every query needs (64-bit integers quoted in JSON, so nanosecond times stay exact);
 * - timing: query counts and cumulative milliseconds, for the benchmark and metrics.
 * Values only ever travel as query parameters (`{name:Type}`): no caller text is spliced into SQL.
 */
import { type ClickHouseClient, ClickHouseError, createClient } from '@clickhouse/client';
import { StoreQueryInterrupted } from '../query-error.js';

export interface ChClientOptions {
  url: string;
  username: string;
  password: string;
  /** Deadline of a read unless the call gives one, ms. */
  queryTimeoutMs: number;
  /** Settings added to every insert (durability: `insert_quorum`, async inserts). */
  insertSettings?: Record<string, string | number>;
  /** Concurrent HTTP connections. @default 8 */
  maxConnections?: number;
}

export interface ReadCall {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type ChRow = Record<string, unknown>;

/** Attempts of an idempotent read that failed to connect (not one the server refused). */
const READ_ATTEMPTS = 3;

/** Past the server-side limit, the client gives the server this long to report the timeout itself. */
const ABORT_GRACE_MS = 2000;

/** Errors that mean "the request never got an answer": safe to send a read again. */
function isConnectionError(err: unknown): boolean {
  if (err instanceof ClickHouseError) return false;
  const code = (err as { code?: string })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    /socket hang up|ECONNRESET|ECONNREFUSED/.test(String((err as Error)?.message))
  );
}

/** ClickHouse's TIMEOUT_EXCEEDED and QUERY_WAS_CANCELLED. */
const TIMEOUT_CODES = new Set(['159', '394']);

export class ChClient {
  private readonly client: ClickHouseClient;
  private closed = false;
  /** Queries sent and their cumulative time (ms), by kind. */
  readonly timing = { reads: 0, readMs: 0, writes: 0, writeMs: 0, retries: 0, interrupted: 0 };
  private readonly running = new Set<AbortController>();

  constructor(private readonly options: ChClientOptions) {
    this.client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      // Deadlines are per call (below); this only bounds a request nobody gave one.
      request_timeout: Math.max(options.queryTimeoutMs + ABORT_GRACE_MS, 30_000),
      max_open_connections: options.maxConnections ?? 8,
      compression: { request: false, response: false },
      clickhouse_settings: {
        output_format_json_quote_64bit_integers: 1,
        // a client that went away stops its query on the server too
        cancel_http_readonly_queries_on_client_close: 1,
      },
    });
  }

  /** Rows of a SELECT (JSONEachRow), under a deadline; retried on connection errors. */
  async query(sql: string, params: Record<string, unknown>, call: ReadCall = {}): Promise<ChRow[]> {
    if (this.closed) throw new StoreQueryInterrupted('shutdown', 'the store is closed');
    const timeoutMs = call.timeoutMs ?? this.options.queryTimeoutMs;
    const controller = new AbortController();
    let reason: 'deadline' | 'cancelled' | null = null;
    const timer = setTimeout(() => {
      reason = 'deadline';
      controller.abort();
    }, timeoutMs + ABORT_GRACE_MS);
    const onAbort = () => {
      reason = 'cancelled';
      controller.abort();
    };
    if (call.signal?.aborted) onAbort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    this.running.add(controller);
    const started = performance.now();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.client.query({
            query: sql,
            query_params: params,
            format: 'JSONEachRow',
            abort_signal: controller.signal,
            clickhouse_settings: { max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)) },
          });
          return (await result.json()) as ChRow[];
        } catch (err) {
          if (controller.signal.aborted || this.closed) {
            this.timing.interrupted++;
            if (this.closed) throw new StoreQueryInterrupted('shutdown', 'the server is shutting down');
            throw new StoreQueryInterrupted(
              reason ?? 'cancelled',
              reason === 'deadline'
                ? `the query ran past its deadline (${timeoutMs} ms)`
                : 'the caller stopped waiting',
            );
          }
          if (err instanceof ClickHouseError && TIMEOUT_CODES.has(err.code)) {
            this.timing.interrupted++;
            throw new StoreQueryInterrupted('deadline', `the query ran past its deadline (${timeoutMs} ms)`);
          }
          if (attempt >= READ_ATTEMPTS || !isConnectionError(err)) throw err;
          this.timing.retries++;
          await new Promise((r) => setTimeout(r, 50 * attempt));
        }
      }
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      this.running.delete(controller);
      this.timing.reads++;
      this.timing.readMs += performance.now() - started;
    }
  }

  /** A statement without rows (DDL, DELETE, INSERT … SELECT). Not retried. */
  async command(
    sql: string,
    params: Record<string, unknown> = {},
    settings: Record<string, string | number> = {},
  ) {
    if (this.closed) throw new Error('the store is closed');
    const started = performance.now();
    try {
      await this.client.command({
        query: sql,
        query_params: params,
        clickhouse_settings: settings,
      });
    } finally {
      this.timing.writes++;
      this.timing.writeMs += performance.now() - started;
    }
  }

  /** Rows into a table (JSONEachRow); resolves once ClickHouse acknowledged the insert. Not retried. */
  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.closed) throw new Error('the store is closed');
    const started = performance.now();
    try {
      await this.client.insert({
        table,
        values: rows as object[],
        format: 'JSONEachRow',
        clickhouse_settings: this.options.insertSettings,
      });
    } finally {
      this.timing.writes++;
      this.timing.writeMs += performance.now() - started;
    }
  }

  /** Stops every running read (shutdown): they reject with StoreQueryInterrupted. */
  interruptAll(): void {
    for (const c of this.running) c.abort();
  }

  get runningReads(): number {
    return this.running.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.interruptAll();
    await this.client.close();
  }
}
