import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { type InterruptReason, StoreQueryInterrupted } from '../query-error.js';
import type { ReadOptions } from '../types.js';

export type Row = Record<string, DuckDBValue>;

/**
 * One read connection lent to one caller: every statement goes through `rows`/`values`, which refuse
 * to start once the read was interrupted (DuckDB's interrupt only stops the statement running at that
 * moment; an idle connection forgets it).
 */
export interface ReadConnection {
  rows(sql: string, params?: DuckDBValue[]): Promise<Row[]>;
  values(sql: string, params?: DuckDBValue[]): Promise<DuckDBValue[][]>;
}

export interface ConnectionPoolOptions {
  /** Deadline of one read (all its statements, queueing for a connection included), ms. */
  timeoutMs: number;
  /**
   * Reads that may wait for a connection at once; one more is refused at once (503) rather than queued.
   * The deadline bounds how long each waits, this bounds how many: a burst of slow queries must not
   * pile up closures and sockets for the whole deadline. @default DEFAULT_MAX_WAITERS
   */
  maxWaiters?: number;
}

export const DEFAULT_MAX_WAITERS = 256;

interface Lease {
  conn: DuckDBConnection;
  reason: InterruptReason | null;
  /** Re-sends the interrupt until the statement ends (see `interrupt`). */
  repeat: NodeJS.Timeout | null;
}

/**
 * DuckDB forgets an interrupt that arrives while no statement is executing, which includes the moment
 * between our call and DuckDB starting the statement; so the interrupt is repeated every few ms until
 * the statement settles.
 */
function interrupt(lease: Lease, reason: InterruptReason): void {
  if (lease.reason !== null) return;
  lease.reason = reason;
  lease.conn.interrupt();
  lease.repeat = setInterval(() => lease.conn.interrupt(), 20);
  lease.repeat.unref();
}

const MESSAGES: Record<InterruptReason, (timeoutMs: number) => string> = {
  deadline: (ms) =>
    `the query ran past its ${ms} ms deadline and was stopped; narrow it (a from/to range, fewer filters) and retry`,
  cancelled: () => 'the query was cancelled: the client went away',
  shutdown: () => 'the server is shutting down; retry against another instance or shortly',
  saturated: () => 'too many queries are waiting for the store; retry shortly',
};

/**
 * Read connections handed out one read at a time. A DuckDB connection runs one statement at a time,
 * so reads use their own connections: they see committed data (MVCC) and never wait behind the
 * writer's transaction.
 *
 * Every read has a deadline, can be cancelled by an AbortSignal (the HTTP request's, which aborts when
 * the client disconnects), and is interrupted at shutdown: all three call DuckDB's connection
 * interrupt, which stops the running statement within milliseconds, so a hostile query cannot hold a
 * connection (or the process) after nobody wants its answer.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiters: Array<(c: DuckDBConnection | null) => void> = [];
  private readonly leases = new Set<Lease>();
  private closing = false;
  private interrupted = 0;

  constructor(
    private readonly all: DuckDBConnection[],
    private readonly options: ConnectionPoolOptions,
  ) {
    this.idle = [...all];
  }

  /** Reads stopped so far (deadline, cancellation, shutdown): a health figure and a test hook. */
  get interruptedCount(): number {
    return this.interrupted;
  }

  /** Reads waiting for a connection now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reads running now. */
  get busy(): number {
    return this.leases.size;
  }

  async use<T>(fn: (c: ReadConnection) => Promise<T>, options: ReadOptions = {}): Promise<T> {
    const { signal } = options;
    const timeoutMs = this.options.timeoutMs;
    const fail = (reason: InterruptReason) => {
      this.interrupted++;
      return new StoreQueryInterrupted(reason, MESSAGES[reason](timeoutMs));
    };
    if (this.closing) throw fail('shutdown');
    if (signal?.aborted) throw fail('cancelled');
    if (this.idle.length === 0 && this.waiters.length >= (this.options.maxWaiters ?? DEFAULT_MAX_WAITERS))
      throw fail('saturated');

    let lease: Lease | null = null;
    let early: InterruptReason | null = null;
    let wake: ((c: DuckDBConnection | null) => void) | null = null;
    const stop = (reason: InterruptReason) => {
      if (lease) {
        interrupt(lease, reason);
      } else if (early === null) {
        early = reason;
        // Off the queue first, so a connection released meanwhile goes to a live waiter.
        const i = wake ? this.waiters.indexOf(wake) : -1;
        if (i >= 0) this.waiters.splice(i, 1);
        wake?.(null);
      }
    };
    const timer = setTimeout(() => stop('deadline'), timeoutMs);
    timer.unref();
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const conn =
        this.idle.pop() ??
        (await new Promise<DuckDBConnection | null>((resolve) => {
          wake = resolve;
          this.waiters.push(resolve);
        }));
      if (conn === null || early !== null) {
        if (conn) this.release(conn);
        throw fail(early ?? 'shutdown');
      }
      const current: Lease = { conn, reason: null, repeat: null };
      lease = current;
      this.leases.add(current);
      const guard = async <R>(work: () => Promise<R>): Promise<R> => {
        if (current.reason !== null) throw fail(current.reason);
        try {
          return await work();
        } catch (err) {
          if (current.reason !== null) throw fail(current.reason);
          throw err;
        }
      };
      const reader: ReadConnection = {
        rows: (sql, params) => guard(async () => (await conn.runAndReadAll(sql, params)).getRowObjects()),
        values: (sql, params) => guard(async () => (await conn.runAndReadAll(sql, params)).getRows()),
      };
      try {
        return await fn(reader);
      } finally {
        if (current.repeat) clearInterval(current.repeat);
        this.leases.delete(current);
        this.release(conn);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (wake) {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
      }
    }
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiters.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  /** Refuse new reads and interrupt the running ones (shutdown): their callers get a 503 at once. */
  interruptAll(): void {
    this.closing = true;
    for (const lease of this.leases) interrupt(lease, 'shutdown');
    for (const w of this.waiters.splice(0)) w(null);
  }

  /** Close every connection once the reads running on them have stopped. */
  async closeAll(): Promise<void> {
    this.interruptAll();
    while (this.idle.length < this.all.length) await new Promise((r) => setTimeout(r, 5));
    for (const c of this.all) c.closeSync();
  }
}
