/**
 * The small tables several nodes coordinate through: `leases` (one owner per name until expiry) and
 * `audit_checkpoints` (every node's signed audit checkpoints). On DuckDB only one process can open the
 * file, so there is never a second node to coordinate with; they exist so both engines answer the same
 * interface (and so the election and the rollback check are tested on a real database here). Calls are
 * serialized on one connection of their own: a lease is one statement every few seconds.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Leases, PublishedCheckpoint, SharedCheckpoints } from '../types.js';

const CREATE = `
CREATE TABLE IF NOT EXISTS leases (
  name VARCHAR PRIMARY KEY,
  owner VARCHAR NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  node VARCHAR NOT NULL,
  log_id VARCHAR NOT NULL,
  size BIGINT NOT NULL,
  root_hash VARCHAR NOT NULL,
  ts_ms BIGINT NOT NULL,
  key_id VARCHAR NOT NULL,
  signature VARCHAR NOT NULL,
  PRIMARY KEY (log_id, size)
);`;

export class DuckDbCoordination implements Leases, SharedCheckpoints {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly conn: DuckDBConnection) {}

  static async open(conn: DuckDBConnection): Promise<DuckDbCoordination> {
    await conn.run(CREATE);
    return new DuckDbCoordination(conn);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  acquire(name: string, owner: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
    return this.serial(async () => {
      // one statement: take it when absent, expired or already ours; a live lease of another stays
      await this.conn.run(
        `INSERT INTO leases VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at_ms = excluded.expires_at_ms
         WHERE leases.owner = excluded.owner OR leases.expires_at_ms <= $4`,
        [name, owner, BigInt(Math.round(nowMs + ttlMs)), BigInt(Math.round(nowMs))],
      );
      const rows = (
        await this.conn.runAndReadAll('SELECT owner FROM leases WHERE name = $1', [name])
      ).getRowObjects();
      return rows[0]?.owner === owner;
    });
  }

  release(name: string, owner: string): Promise<void> {
    return this.serial(async () => {
      await this.conn.run('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
    });
  }

  holder(name: string, nowMs = Date.now()): Promise<{ owner: string; expiresAtMs: number } | null> {
    return this.serial(async () => {
      const rows = (
        await this.conn.runAndReadAll(
          'SELECT owner, expires_at_ms FROM leases WHERE name = $1 AND expires_at_ms > $2',
          [name, BigInt(Math.round(nowMs))],
        )
      ).getRowObjects();
      const r = rows[0];
      return r ? { owner: String(r.owner), expiresAtMs: Number(r.expires_at_ms) } : null;
    });
  }

  publish(c: PublishedCheckpoint): Promise<void> {
    return this.serial(async () => {
      await this.conn.run(
        `INSERT INTO audit_checkpoints VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [c.node, c.logId, BigInt(c.size), c.rootHash, BigInt(c.timestamp), c.keyId, c.signature],
      );
    });
  }

  list(logId: string, limit = 1000): Promise<PublishedCheckpoint[]> {
    return this.serial(async () => {
      const rows = (
        await this.conn.runAndReadAll(
          `SELECT node, log_id, size, root_hash, ts_ms, key_id, signature FROM audit_checkpoints
           WHERE log_id = $1 ORDER BY size DESC LIMIT $2`,
          [logId, Math.max(1, Math.min(100_000, Math.trunc(limit)))],
        )
      ).getRowObjects();
      return rows.map((r) => ({
        node: String(r.node),
        logId: String(r.log_id),
        size: Number(r.size),
        rootHash: String(r.root_hash),
        timestamp: Number(r.ts_ms),
        keyId: String(r.key_id),
        signature: String(r.signature),
      }));
    });
  }

  logs(): Promise<Array<{ node: string; logId: string; size: number }>> {
    return this.serial(async () => {
      const rows = (
        await this.conn.runAndReadAll(
          `SELECT any_value(node) AS node, log_id, max(size) AS size FROM audit_checkpoints GROUP BY log_id ORDER BY log_id`,
        )
      ).getRowObjects();
      return rows.map((r) => ({ node: String(r.node), logId: String(r.log_id), size: Number(r.size) }));
    });
  }
}
