import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Read connections handed out one query at a time. A DuckDB connection runs one statement at a time,
 * so reads use their own connections: they see committed data (MVCC) and never wait behind the
 * writer's transaction.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiters: Array<(c: DuckDBConnection) => void> = [];
  private closing = false;

  constructor(private readonly all: DuckDBConnection[]) {
    this.idle = [...all];
  }

  async use<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) throw new Error('the store is closed');
    const c =
      this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiters.push(resolve)));
    try {
      return await fn(c);
    } finally {
      const next = this.waiters.shift();
      if (next) next(c);
      else this.idle.push(c);
    }
  }

  /** Close every connection once the queries running on them have finished. */
  async closeAll(): Promise<void> {
    this.closing = true;
    while (this.idle.length < this.all.length) await new Promise((r) => setTimeout(r, 5));
    for (const c of this.all) c.closeSync();
  }
}
