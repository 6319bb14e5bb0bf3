/**
 * Violations in DuckDB, in Witness's own table beside the store's spans (same file, own connections),
 * one row per (span, policy). Scoped by project on every read. Ids are assigned here, increasing, so a
 * page's cursor is the last id it showed. Rows follow the spans' retention (`deleteOlderThan`).
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { PolicyAction, PolicySeverity, ViolationJson } from '@witness/protocol';
import type {
  ConnectionPool,
  ReadOptions,
  ViolationQuery,
  ViolationRow,
  Violations,
  ViolationSummary,
} from '../store/index.js';

const CREATE = `CREATE TABLE IF NOT EXISTS governance_violations (
  id BIGINT NOT NULL,
  project VARCHAR NOT NULL,
  time_ns BIGINT NOT NULL,
  policy VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  span_name VARCHAR NOT NULL,
  service VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  agent VARCHAR,
  tool VARCHAR,
  mode VARCHAR,
  matched VARCHAR NOT NULL
)`;

export type { ViolationQuery, ViolationRow } from '../store/types.js';

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

export class ViolationStore implements Violations {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly reads: ConnectionPool,
    private nextId: number,
  ) {}

  static async open(conn: DuckDBConnection, reads: ConnectionPool): Promise<ViolationStore> {
    await conn.run(CREATE);
    const max = (
      await conn.runAndReadAll('SELECT coalesce(max(id), 0) AS m FROM governance_violations')
    ).getRowObjects();
    return new ViolationStore(conn, reads, Number(max[0]!.m) + 1);
  }

  /** Appends and commits; calls are serialized (one Appender per connection at a time). */
  append(rows: readonly ViolationRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const run = this.queue.then(() => this.appendNow(rows));
    this.queue = run.catch(() => {});
    return run;
  }

  private async appendNow(rows: readonly ViolationRow[]): Promise<void> {
    const a = await this.conn.createAppender('governance_violations');
    try {
      for (const r of rows) {
        a.appendBigInt(BigInt(this.nextId++));
        a.appendVarchar(r.project);
        a.appendBigInt(BigInt.asIntN(64, r.timeNs));
        a.appendVarchar(r.policy);
        a.appendVarchar(r.severity);
        a.appendVarchar(r.action);
        a.appendVarchar(r.traceId);
        a.appendVarchar(r.spanId);
        a.appendVarchar(r.spanName);
        a.appendVarchar(r.service);
        a.appendVarchar(r.kind);
        for (const v of [r.agent, r.tool, r.mode]) {
          if (v === null) a.appendNull();
          else a.appendVarchar(v);
        }
        a.appendVarchar(JSON.stringify(r.matched));
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  private where(q: Omit<ViolationQuery, 'limit' | 'cursor'>, values: DuckDBValue[]): string[] {
    const param = (v: DuckDBValue) => `$${values.push(v)}`;
    const where = [`project = ${param(q.project)}`];
    if (q.fromNs !== undefined) where.push(`time_ns >= ${param(q.fromNs)}`);
    if (q.toNs !== undefined) where.push(`time_ns < ${param(q.toNs)}`);
    if (q.policy !== undefined) where.push(`policy = ${param(q.policy)}`);
    if (q.severity !== undefined) where.push(`severity = ${param(q.severity)}`);
    if (q.agent !== undefined) where.push(`agent = ${param(q.agent)}`);
    if (q.mode !== undefined) where.push(`mode = ${param(q.mode)}`);
    if (q.traceId !== undefined) where.push(`trace_id = ${param(q.traceId)}`);
    return where;
  }

  /** Newest first (by id, i.e. by when they were found); `nextCursor` when more remain. */
  async search(
    q: ViolationQuery,
    options?: ReadOptions,
  ): Promise<{ items: ViolationJson[]; nextCursor: string | null }> {
    const values: DuckDBValue[] = [];
    const where = this.where(q, values);
    if (q.cursor !== undefined) where.push(`id < $${values.push(BigInt(q.cursor))}`);
    const sql = `SELECT * FROM governance_violations WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${q.limit + 1}`;
    const rows = await this.reads.use((c) => c.rows(sql, values), options);
    const items = rows.slice(0, q.limit).map(
      (r): ViolationJson => ({
        id: Number(r.id),
        time: iso(BigInt(r.time_ns as bigint)),
        policy: String(r.policy),
        severity: r.severity as PolicySeverity,
        action: r.action as PolicyAction,
        traceId: String(r.trace_id),
        spanId: String(r.span_id),
        spanName: String(r.span_name),
        service: String(r.service),
        kind: String(r.kind),
        agent: r.agent === null ? null : String(r.agent),
        tool: r.tool === null ? null : String(r.tool),
        mode: r.mode === null ? null : String(r.mode),
        matched: JSON.parse(String(r.matched)) as Record<string, unknown>,
      }),
    );
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
  }

  /** Counts in [from, to): in time buckets and by policy, severity, agent and mode (each list bounded). */
  async summary(
    q: { project: string; fromNs: bigint; toNs: bigint; bucketNs: bigint },
    options?: ReadOptions,
  ): Promise<ViolationSummary> {
    const values: DuckDBValue[] = [];
    const where = this.where(q, values).join(' AND ');
    const b = `$${values.push(q.bucketNs)}`;
    return this.reads.use(async (c) => {
      const by = async (col: string) =>
        (
          await c.rows(
            `SELECT coalesce(${col}, '(none)') AS k, count(*) AS n FROM governance_violations WHERE ${where} GROUP BY k ORDER BY n DESC, k LIMIT 50`,
            values.slice(0, values.length - 1),
          )
        ).map((r) => ({ key: String(r.k), count: Number(r.n) }));
      const buckets = await c.rows(
        `SELECT (time_ns // ${b}) * ${b} AS t, count(*) AS n FROM governance_violations WHERE ${where} GROUP BY t ORDER BY t`,
        values,
      );
      const byPolicy = await by('policy');
      return {
        total: byPolicy.reduce((n, p) => n + p.count, 0),
        overTime: buckets.map((r) => ({ time: iso(BigInt(r.t as bigint)), count: Number(r.n) })),
        byPolicy,
        bySeverity: await by('severity'),
        byAgent: await by('agent'),
        byMode: await by('mode'),
      };
    }, options);
  }

  async deleteOlderThan(cutoffNs: bigint): Promise<void> {
    const run = this.queue.then(() =>
      this.conn.run('DELETE FROM governance_violations WHERE time_ns < $1', [cutoffNs]),
    );
    this.queue = run.catch(() => {});
    await run;
  }
}
