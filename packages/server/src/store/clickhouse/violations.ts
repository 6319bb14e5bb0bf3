/**
 * Governance policy violations in ClickHouse (`governance_violations`, migration 4), so a query node
 * lists what any ingest node found. Mirrors governance/violation-store.ts (DuckDB): the same answers,
 * held by violations-conformance.ts on both engines.
 *
 * Ids: DuckDB counts in one process; several nodes cannot share a counter without a round trip per
 * batch. An id here is `found-ms × 4096 + 12 bits of a hash of the row's identity`, kept increasing
 * within a node: newest first still means "most recently found", ids stay below 2^53 (JSON numbers)
 * until the year 2248, and two nodes collide only when both find violations in the same ms whose
 * hashes agree in 12 bits (1 in 4096) — then a page boundary between the two could skip one of them.
 */
import { createHash } from 'node:crypto';
import type { PolicyAction, PolicySeverity, ViolationJson } from '@witness/protocol';
import type { ReadOptions, ViolationQuery, ViolationRow, Violations, ViolationSummary } from '../types.js';
import type { ChClient, ChRow } from './ch-client.js';
import { ChParams } from './queries.js';
import { localTableName, onCluster, type SchemaTarget, tableName } from './schema.js';

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

const identityBits = (r: ViolationRow) =>
  createHash('sha1')
    .update(`${r.project}\u0000${r.traceId}\u0000${r.spanId}\u0000${r.policy}`)
    .digest()
    .readUInt16BE(0) & 0xfff;

export class ClickHouseViolations implements Violations {
  private readonly table: string;
  private lastId = 0;

  constructor(
    private readonly client: ChClient,
    private readonly target: SchemaTarget,
  ) {
    this.table = tableName(target, 'governance_violations');
  }

  private nextId(r: ViolationRow): number {
    this.lastId = Math.max(this.lastId + 1, Date.now() * 4096 + identityBits(r));
    return this.lastId;
  }

  /** Resolves once ClickHouse acknowledged the insert (the batch's answer waits for it). */
  async append(rows: readonly ViolationRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert(
      this.table,
      rows.map((r) => ({
        project: r.project,
        id: String(this.nextId(r)),
        time_ns: BigInt.asIntN(64, r.timeNs).toString(),
        policy: r.policy,
        severity: r.severity,
        action: r.action,
        trace_id: r.traceId,
        span_id: r.spanId,
        span_name: r.spanName,
        service: r.service,
        kind: r.kind,
        agent: r.agent,
        tool: r.tool,
        mode: r.mode,
        matched: JSON.stringify(r.matched),
      })),
    );
  }

  private where(q: Omit<ViolationQuery, 'limit' | 'cursor'>, p: ChParams): string[] {
    const where = [`project = ${p.str(q.project)}`];
    if (q.fromNs !== undefined) where.push(`time_ns >= ${p.i64(q.fromNs)}`);
    if (q.toNs !== undefined) where.push(`time_ns < ${p.i64(q.toNs)}`);
    if (q.policy !== undefined) where.push(`policy = ${p.str(q.policy)}`);
    if (q.severity !== undefined) where.push(`severity = ${p.str(q.severity)}`);
    if (q.agent !== undefined) where.push(`agent = ${p.str(q.agent)}`);
    if (q.mode !== undefined) where.push(`mode = ${p.str(q.mode)}`);
    if (q.traceId !== undefined) where.push(`trace_id = ${p.str(q.traceId)}`);
    return where;
  }

  async search(
    q: ViolationQuery,
    options?: ReadOptions,
  ): Promise<{ items: ViolationJson[]; nextCursor: string | null }> {
    const p = new ChParams();
    const where = this.where(q, p);
    if (q.cursor !== undefined) where.push(`id < ${p.add(String(q.cursor), 'Int64')}`);
    const sql = `SELECT * FROM ${this.table} FINAL WHERE ${where.join(' AND ')}
      ORDER BY id DESC LIMIT ${p.add(q.limit + 1, 'UInt32')}`;
    const rows = await this.client.query(sql, p.values, { signal: options?.signal });
    const items = rows.slice(0, q.limit).map(toJson);
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
  }

  async summary(
    q: { project: string; fromNs: bigint; toNs: bigint; bucketNs: bigint },
    options?: ReadOptions,
  ): Promise<ViolationSummary> {
    const p = new ChParams();
    const where = this.where(q, p).join(' AND ');
    const b = p.i64(q.bucketNs);
    const call = { signal: options?.signal };
    const by = async (col: string) =>
      (
        await this.client.query(
          `SELECT coalesce(${col}, '(none)') AS k, count() AS n FROM ${this.table} FINAL WHERE ${where}
           GROUP BY k ORDER BY n DESC, k LIMIT 50`,
          p.values,
          call,
        )
      ).map((r) => ({ key: String(r.k), count: Number(r.n) }));
    const buckets = await this.client.query(
      `SELECT intDiv(time_ns, ${b}) * ${b} AS t, count() AS n FROM ${this.table} FINAL WHERE ${where}
       GROUP BY t ORDER BY t`,
      p.values,
      call,
    );
    const byPolicy = await by('policy');
    return {
      total: byPolicy.reduce((n, x) => n + x.count, 0),
      overTime: buckets.map((r) => ({ time: iso(BigInt(String(r.t))), count: Number(r.n) })),
      byPolicy,
      bySeverity: await by('severity'),
      byAgent: await by('agent'),
      byMode: await by('mode'),
    };
  }

  async deleteOlderThan(cutoffNs: bigint): Promise<void> {
    const local = localTableName(this.target, 'governance_violations');
    const c = { cutoff: cutoffNs.toString() };
    await (this.target.cluster === null
      ? this.client.command(`DELETE FROM ${local} WHERE time_ns < {cutoff:Int64}`, c, { mutations_sync: 2 })
      : this.client.command(
          `ALTER TABLE ${local}${onCluster(this.target)} DELETE WHERE time_ns < {cutoff:Int64}`,
          c,
          { mutations_sync: 2 },
        ));
  }
}

function toJson(r: ChRow): ViolationJson {
  return {
    id: Number(r.id),
    time: iso(BigInt(String(r.time_ns))),
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
  };
}
