/**
 * Anomaly events in DuckDB, in their own table beside the store's spans (same file, own connections),
 * so they survive restarts. Few rows (events, not points): plain parameterised INSERTs, serialized on
 * one writer connection; reads go through a ConnectionPool (deadline, cancellation, shutdown interrupt).
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AnomalyKind } from '@witness/protocol';
import {
  type ConnectionPool,
  decodeCursor,
  encodeCursor,
  type ReadOptions,
  StoreQueryError,
} from '../../store/index.js';
import type { AnomalyEvent } from './anomaly-event.js';

const CREATE = `CREATE TABLE IF NOT EXISTS anomaly_events (
  id VARCHAR NOT NULL,
  project VARCHAR NOT NULL,
  time_ms BIGINT NOT NULL,
  kind VARCHAR NOT NULL,
  metric VARCHAR,
  service VARCHAR,
  agent VARCHAR,
  model VARCHAR,
  tool VARCHAR,
  score DOUBLE NOT NULL,
  value DOUBLE,
  expected DOUBLE,
  lower DOUBLE,
  upper DOUBLE,
  trace_ids VARCHAR NOT NULL,
  message VARCHAR NOT NULL,
  points VARCHAR NOT NULL
)`;

export interface AnomalyQuery {
  project: string;
  kind?: AnomalyKind;
  agent?: string;
  service?: string;
  /** Epoch ms bounds on the anomaly time, inclusive. */
  sinceMs?: number;
  untilMs?: number;
  /** Events with a lower score are left out. */
  minScore?: number;
  limit: number;
  cursor?: string;
}

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);
const numOrNull = (v: DuckDBValue): number | null => (v === null ? null : Number(v));
const strOrNull = (v: DuckDBValue): string | null => (v === null ? null : String(v));

export class AnomalyEventStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly reads: ConnectionPool,
  ) {}

  static async open(conn: DuckDBConnection, reads: ConnectionPool): Promise<AnomalyEventStore> {
    await conn.run(CREATE);
    return new AnomalyEventStore(conn, reads);
  }

  /** Inserts and commits; calls are serialized on the writer connection. */
  insert(events: readonly AnomalyEvent[]): Promise<void> {
    const run = this.queue.then(() => this.insertNow(events));
    this.queue = run.catch(() => {});
    return run;
  }

  private async insertNow(events: readonly AnomalyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const row = `(${Array.from({ length: 17 }, () => '?').join(', ')})`;
    const values: DuckDBValue[] = [];
    for (const e of events) {
      values.push(
        e.id,
        e.project,
        BigInt(Math.round(e.timeMs)),
        e.kind,
        e.metric,
        e.labels.service,
        e.labels.agent,
        e.labels.model,
        e.labels.tool,
        Number.isFinite(e.score) ? e.score : 1,
        finite(e.value),
        finite(e.expected),
        finite(e.lower),
        finite(e.upper),
        JSON.stringify(e.traceIds),
        e.message,
        JSON.stringify(e.points),
      );
    }
    await this.conn.run(`INSERT INTO anomaly_events VALUES ${events.map(() => row).join(', ')}`, values);
  }

  /** One project's events, newest first, filtered, with cursor pagination on (time, id). */
  async search(
    q: AnomalyQuery,
    options?: ReadOptions,
  ): Promise<{ items: AnomalyEvent[]; nextCursor: string | null }> {
    const values: DuckDBValue[] = [q.project];
    const param = (v: DuckDBValue) => `$${values.push(v)}`;
    const where = ['project = $1'];
    if (q.kind !== undefined) where.push(`kind = ${param(q.kind)}`);
    if (q.agent !== undefined) where.push(`agent = ${param(q.agent)}`);
    if (q.service !== undefined) where.push(`service = ${param(q.service)}`);
    if (q.sinceMs !== undefined) where.push(`time_ms >= ${param(BigInt(q.sinceMs))}`);
    if (q.untilMs !== undefined) where.push(`time_ms <= ${param(BigInt(q.untilMs))}`);
    if (q.minScore !== undefined) where.push(`score >= ${param(q.minScore)}`);
    if (q.cursor !== undefined) {
      const [time, id] = decodeCursor(q.cursor, 2) as [string, string];
      if (!/^\d{1,16}$/.test(time))
        throw new StoreQueryError('cursor is not one this server issued: pass back nextCursor unchanged');
      where.push(`(time_ms, id) < (${param(BigInt(time))}, ${param(id)})`);
    }
    const sql = `SELECT * FROM anomaly_events WHERE ${where.join(' AND ')}
      ORDER BY time_ms DESC, id DESC LIMIT ${q.limit + 1}`;
    const rows = await this.reads.use((c) => c.rows(sql, values), options);
    const items = rows.slice(0, q.limit).map(
      (r): AnomalyEvent => ({
        id: String(r.id),
        project: String(r.project),
        kind: String(r.kind) as AnomalyKind,
        metric: strOrNull(r.metric),
        labels: {
          service: strOrNull(r.service),
          agent: strOrNull(r.agent),
          model: strOrNull(r.model),
          tool: strOrNull(r.tool),
        },
        timeMs: Number(r.time_ms),
        score: Number(r.score),
        value: numOrNull(r.value),
        expected: numOrNull(r.expected),
        lower: numOrNull(r.lower),
        upper: numOrNull(r.upper),
        traceIds: JSON.parse(String(r.trace_ids)) as string[],
        message: String(r.message),
        points: JSON.parse(String(r.points)) as AnomalyEvent['points'],
      }),
    );
    const last = items[items.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor([String(last.timeMs), last.id]) : null;
    return { items, nextCursor };
  }

  /** Deletes events older than `cutoffMs` (the retention sweep); returns how many. */
  async deleteOlderThan(cutoffMs: number): Promise<number> {
    const run = this.queue.then(async () => {
      const r = await this.conn.runAndReadAll('DELETE FROM anomaly_events WHERE time_ms < $1', [
        BigInt(cutoffMs),
      ]);
      return Number(r.getRows()[0]?.[0] ?? 0);
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
