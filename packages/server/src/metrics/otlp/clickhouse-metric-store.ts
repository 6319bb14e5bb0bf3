/**
 * OTLP metric points in ClickHouse (`metric_points`, migration 5 of store/clickhouse/schema.ts), so a
 * query node answers /api/metrics/* (and metric_ratio SLIs) with what any ingest node received.
 * Mirrors metric-store.ts (DuckDB); the same cases hold both (metric-points-conformance.ts).
 * One row per point identity (project, metric, service, series hash, start, time): a replayed batch is
 * stored once (ReplacingMergeTree; reads use FINAL).
 */
import type { ChClient, ChRow } from '../../store/clickhouse/ch-client.js';
import { ChParams } from '../../store/clickhouse/queries.js';
import { localTableName, onCluster, type SchemaTarget, tableName } from '../../store/clickhouse/schema.js';
import type { ReadOptions } from '../../store/index.js';
import type { StoredPoint } from './aggregate-points.js';
import { listedMetricFromRow, metricTypeFromRow, storedPointFromRow } from './point-rows.js';
import type { MetricPoint, MetricType } from './metric-point.js';
import {
  detail,
  MAX_LISTED_METRICS,
  type MetricPoints,
  type PointQuery,
  plainKey,
  stringify,
  TooManyPointsError,
} from './metric-store.js';

const num = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);

/** An attribute as text, as DuckDB's json_extract_string gives it (numbers and booleans as JSON text). */
const attr = (key: string) =>
  `if(JSONType(attributes, ${key}) = 'String', JSONExtractString(attributes, ${key}), nullIf(JSONExtractRaw(attributes, ${key}), ''))`;

export class ClickHouseMetricPoints implements MetricPoints {
  private readonly table: string;

  constructor(
    private readonly client: ChClient,
    private readonly target: SchemaTarget,
  ) {
    this.table = tableName(target, 'metric_points');
  }

  async append(project: string, points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    const resources = new Map<object, string>();
    await this.client.insert(
      this.table,
      points.map((p) => {
        let res = resources.get(p.resource);
        if (res === undefined) {
          res = stringify(p.resource);
          resources.set(p.resource, res);
        }
        return {
          project,
          metric: p.metric,
          type: p.type,
          unit: p.unit,
          description: p.description,
          temporality: p.temporality,
          monotonic: p.monotonic,
          service_name: p.serviceName,
          scope_name: p.scopeName,
          start_ns: BigInt.asIntN(64, p.startTimeUnixNano).toString(),
          time_ns: BigInt.asIntN(64, p.timeUnixNano).toString(),
          attributes: stringify(p.attributes),
          resource: res,
          value: num(p.value),
          count: num(p.count),
          sum: num(p.sum),
          min: num(p.min),
          max: num(p.max),
          detail: detail(p),
        };
      }),
    );
  }

  private read(sql: string, p: ChParams, options?: ReadOptions): Promise<ChRow[]> {
    return this.client.query(sql, p.values, { signal: options?.signal });
  }

  async query(q: PointQuery, options?: ReadOptions): Promise<StoredPoint[]> {
    const p = new ChParams();
    const where = [
      `project = ${p.str(q.project)}`,
      `metric = ${p.str(q.metric)}`,
      `time_ns >= ${p.i64(q.fromNs)}`,
      `time_ns < ${p.i64(q.toNs)}`,
    ];
    if (q.service !== undefined) where.push(`service_name = ${p.str(q.service)}`);
    for (const [k, v] of Object.entries(q.attributes ?? {}))
      where.push(`${attr(p.str(plainKey(k)))} = ${p.str(v)}`);
    let group = `''`;
    if (q.groupBy === 'service') group = 'service_name';
    else if (q.groupBy) group = attr(p.str(plainKey(q.groupBy)));
    const max = q.maxRows ?? 500_000;
    const sql = `SELECT concat(service_name, char(1), attributes) AS stream, ${group} AS grp, start_ns, time_ns, type,
        temporality, monotonic, value, count, sum, detail
      FROM ${this.table} FINAL WHERE ${where.join(' AND ')} ORDER BY time_ns LIMIT ${p.add(max + 1, 'UInt32')}`;
    const rows = await this.read(sql, p, options);
    if (rows.length > max)
      throw new TooManyPointsError(
        `more than ${max} points match; narrow the time range or filter by service/attributes`,
      );
    return rows.map((r) => storedPointFromRow(r, q.groupBy));
  }

  async describe(
    project: string,
    metric: string,
    options?: ReadOptions,
  ): Promise<{ type: MetricType; monotonic: boolean | null; unit: string } | null> {
    const p = new ChParams();
    const [r] = await this.read(
      `SELECT type, monotonic, unit FROM ${this.table} WHERE project = ${p.str(project)} AND metric = ${p.str(metric)}
       ORDER BY time_ns DESC LIMIT 1`,
      p,
      options,
    );
    return r ? metricTypeFromRow(r) : null;
  }

  async listMetrics(
    project: string,
    options?: ReadOptions,
  ): Promise<Array<{ metric: string; type: MetricType; unit: string; description: string; points: number }>> {
    const p = new ChParams();
    const rows = await this.read(
      `SELECT metric, any(type) AS type, any(unit) AS unit, any(description) AS description, count() AS points
       FROM ${this.table} FINAL WHERE project = ${p.str(project)} GROUP BY metric ORDER BY metric LIMIT ${MAX_LISTED_METRICS}`,
      p,
      options,
    );
    return rows.map(listedMetricFromRow);
  }

  async projects(options?: ReadOptions): Promise<string[]> {
    const rows = await this.read(
      `SELECT DISTINCT project FROM ${this.table} ORDER BY project LIMIT ${MAX_LISTED_METRICS}`,
      new ChParams(),
      options,
    );
    return rows.map((r) => String(r.project));
  }

  async deleteOlderThan(cutoffNs: bigint): Promise<number> {
    const c = { cutoff: cutoffNs.toString() };
    const [n] = await this.client.query(
      `SELECT count() AS n FROM ${this.table} FINAL WHERE time_ns < {cutoff:Int64}`,
      c,
      { timeoutMs: 600_000 },
    );
    const local = localTableName(this.target, 'metric_points');
    await (this.target.cluster === null
      ? this.client.command(`DELETE FROM ${local} WHERE time_ns < {cutoff:Int64}`, c, { mutations_sync: 2 })
      : this.client.command(
          `ALTER TABLE ${local}${onCluster(this.target)} DELETE WHERE time_ns < {cutoff:Int64}`,
          c,
          { mutations_sync: 2 },
        ));
    return Number(n?.n ?? 0);
  }
}
