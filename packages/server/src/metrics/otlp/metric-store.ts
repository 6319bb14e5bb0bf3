/**
 * OTLP metric points in DuckDB, in Witness's own table beside the store's spans and logs (same file,
 * own connection). One row per data point; bucket layouts as JSON text (the Appender's fast path).
 */
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { ConnectionPool, ReadOptions } from '../../store/index.js';
import type { AttrValue } from '../../model/index.js';
import { exponentialToExplicit, type StoredPoint } from './aggregate-points.js';
import { listedMetricFromRow, metricTypeFromRow, storedPointFromRow } from './point-rows.js';
import type { MetricPoint, MetricType } from './metric-point.js';

const CREATE = [
  `CREATE TABLE IF NOT EXISTS metric_points (
    metric VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    temporality VARCHAR,
    monotonic BOOLEAN,
    service_name VARCHAR NOT NULL,
    scope_name VARCHAR NOT NULL,
    start_ns BIGINT NOT NULL,
    time_ns BIGINT NOT NULL,
    attributes VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    value DOUBLE,
    count DOUBLE,
    sum DOUBLE,
    min DOUBLE,
    max DOUBLE,
    detail VARCHAR,
    project VARCHAR NOT NULL DEFAULT 'default'
  )`,
];

/**
 * A table from before projects gains `project` (last, as in CREATE: the Appender writes in table
 * order); its points belong to `default`. DuckDB adds a column with a constraint in two steps.
 */
const ADD_PROJECT = [
  `ALTER TABLE metric_points ADD COLUMN project VARCHAR DEFAULT 'default'`,
  `ALTER TABLE metric_points ALTER COLUMN project SET NOT NULL`,
];

export interface PointQuery {
  /** Only this project's points are read. */
  project: string;
  metric: string;
  fromNs: bigint;
  toNs: bigint;
  service?: string;
  /** Attribute equality filters (compared as text). */
  attributes?: Record<string, string>;
  /** 'service' or an attribute key. */
  groupBy?: string;
  /** Most rows read; beyond it the answer is refused rather than silently cut. @default 500000 */
  maxRows?: number;
}

/** Most metrics `listMetrics` names (alphabetically first): the answer stays bounded. */
export const MAX_LISTED_METRICS = 1000;

export class TooManyPointsError extends Error {
  override name = 'TooManyPointsError';
}

function num(a: DuckDBAppender, v: number | null): void {
  if (v === null || !Number.isFinite(v)) a.appendNull();
  else a.appendDouble(v);
}

export function detail(p: MetricPoint): string | null {
  if (p.type === 'histogram') return JSON.stringify({ b: p.bounds ?? [], c: p.bucketCounts ?? [] });
  if (p.type === 'exponential_histogram' && p.exponential) {
    const { bounds, counts } = exponentialToExplicit(p.exponential);
    return JSON.stringify({ b: bounds, c: counts, e: p.exponential });
  }
  if (p.type === 'summary') return JSON.stringify({ q: p.quantiles ?? [] });
  return null;
}

export const stringify = (v: Record<string, AttrValue>) => JSON.stringify(v);

/**
 * Where ingested OTLP metric points live: the node's DuckDB file (MetricPointStore) or, with
 * store.engine clickhouse, the shared database (ClickHouseMetricPoints), so a query node reads what
 * any ingest node received.
 */
export interface MetricPoints {
  append(project: string, points: readonly MetricPoint[]): Promise<void>;
  query(q: PointQuery, options?: ReadOptions): Promise<StoredPoint[]>;
  describe(
    project: string,
    metric: string,
    options?: ReadOptions,
  ): Promise<{ type: MetricType; monotonic: boolean | null; unit: string } | null>;
  listMetrics(
    project: string,
    options?: ReadOptions,
  ): Promise<Array<{ metric: string; type: MetricType; unit: string; description: string; points: number }>>;
  projects(options?: ReadOptions): Promise<string[]>;
  deleteOlderThan(cutoffNs: bigint): Promise<number>;
}

export class MetricPointStore implements MetricPoints {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly reads: ConnectionPool | null,
  ) {}

  /**
   * `conn` appends (and reads, without `reads`); `reads`, when given, runs every read with the store's
   * deadline, cancellation and shutdown interrupt.
   */
  static async open(conn: DuckDBConnection, reads: ConnectionPool | null = null): Promise<MetricPointStore> {
    for (const sql of CREATE) await conn.run(sql);
    const [has] = (
      await conn.runAndReadAll(
        `SELECT count(*) FROM information_schema.columns WHERE table_name = 'metric_points' AND column_name = 'project'`,
      )
    ).getRows();
    if (Number(has[0]) === 0) {
      await conn.run('BEGIN TRANSACTION');
      try {
        for (const sql of ADD_PROJECT) await conn.run(sql);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return new MetricPointStore(conn, reads);
  }

  private async read(sql: string, params: DuckDBValue[], options?: ReadOptions) {
    if (this.reads) return this.reads.use((c) => c.rows(sql, params), options);
    return (await this.conn.runAndReadAll(sql, params)).getRowObjects();
  }

  /** Appends the points to `project` and commits; calls are serialized (one Appender per connection at a time). */
  append(project: string, points: readonly MetricPoint[]): Promise<void> {
    const run = this.queue.then(() => this.appendNow(project, points));
    this.queue = run.catch(() => {});
    return run;
  }

  private async appendNow(project: string, points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    const a = await this.conn.createAppender('metric_points');
    try {
      // Resource attributes are shared by many points: encode each resource object once.
      const resources = new Map<object, string>();
      for (const p of points) {
        let res = resources.get(p.resource);
        if (res === undefined) {
          res = stringify(p.resource);
          resources.set(p.resource, res);
        }
        a.appendVarchar(p.metric);
        a.appendVarchar(p.type);
        a.appendVarchar(p.unit);
        a.appendVarchar(p.description);
        if (p.temporality === null) a.appendNull();
        else a.appendVarchar(p.temporality);
        if (p.monotonic === null) a.appendNull();
        else a.appendBoolean(p.monotonic);
        a.appendVarchar(p.serviceName);
        a.appendVarchar(p.scopeName);
        a.appendBigInt(BigInt.asIntN(64, p.startTimeUnixNano));
        a.appendBigInt(BigInt.asIntN(64, p.timeUnixNano));
        a.appendVarchar(stringify(p.attributes));
        a.appendVarchar(res);
        num(a, p.value);
        num(a, p.count);
        num(a, p.sum);
        num(a, p.min);
        num(a, p.max);
        const d = detail(p);
        if (d === null) a.appendNull();
        else a.appendVarchar(d);
        a.appendVarchar(project);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** Points of one metric in a time range, oldest first, with their group labels. */
  async query(q: PointQuery, options?: ReadOptions): Promise<StoredPoint[]> {
    const values: DuckDBValue[] = [q.metric, q.fromNs, q.toNs, q.project];
    const param = (v: DuckDBValue) => `$${values.push(v)}`;
    const where = ['project = $4', 'metric = $1', 'time_ns >= $2', 'time_ns < $3'];
    if (q.service !== undefined) where.push(`service_name = ${param(q.service)}`);
    for (const [k, v] of Object.entries(q.attributes ?? {}))
      where.push(`json_extract_string(attributes, ${param(plainKey(k))}) = ${param(v)}`);
    let group = `''`;
    if (q.groupBy === 'service') group = 'service_name';
    else if (q.groupBy) group = `json_extract_string(attributes, ${param(plainKey(q.groupBy))})`;
    const max = q.maxRows ?? 500_000;
    const sql = `SELECT service_name || chr(1) || attributes AS stream, ${group} AS grp, start_ns, time_ns, type, temporality, monotonic,
        value, count, sum, detail
      FROM metric_points WHERE ${where.join(' AND ')} ORDER BY time_ns LIMIT ${max + 1}`;
    const rows = await this.read(sql, values, options);
    if (rows.length > max) {
      throw new TooManyPointsError(
        `more than ${max} points match; narrow the time range or filter by service/attributes`,
      );
    }
    return rows.map((r) => storedPointFromRow(r, q.groupBy));
  }

  /** The metric's type and monotonicity (from its newest point in `project`), or null when never received there. */
  async describe(
    project: string,
    metric: string,
    options?: ReadOptions,
  ): Promise<{ type: MetricType; monotonic: boolean | null; unit: string } | null> {
    const [r] = await this.read(
      'SELECT type, monotonic, unit FROM metric_points WHERE project = $2 AND metric = $1 ORDER BY time_ns DESC LIMIT 1',
      [metric, project],
      options,
    );
    return r ? metricTypeFromRow(r) : null;
  }

  /** The metrics received in `project`. */
  async listMetrics(
    project: string,
    options?: ReadOptions,
  ): Promise<Array<{ metric: string; type: MetricType; unit: string; description: string; points: number }>> {
    const rows = await this.read(
      `SELECT metric, any_value(type) AS type, any_value(unit) AS unit, any_value(description) AS description, count(*) AS points
       FROM metric_points WHERE project = $1 GROUP BY metric ORDER BY metric LIMIT ${MAX_LISTED_METRICS}`,
      [project],
      options,
    );
    return rows.map(listedMetricFromRow);
  }

  /** Projects that hold any point, sorted (at most MAX_LISTED_METRICS). */
  async projects(options?: ReadOptions): Promise<string[]> {
    const rows = await this.read(
      `SELECT DISTINCT project FROM metric_points ORDER BY project LIMIT ${MAX_LISTED_METRICS}`,
      [],
      options,
    );
    return rows.map((r) => String(r.project));
  }

  async deleteOlderThan(cutoffNs: bigint): Promise<number> {
    const reader = await this.conn.runAndReadAll(
      'DELETE FROM metric_points WHERE time_ns < $cutoff RETURNING 1',
      { cutoff: cutoffNs },
    );
    return reader.currentRowCount;
  }
}

/** JSON key lookups take a plain key unless it starts with `$` or `/` (then DuckDB reads a path). */
export function plainKey(key: string): string {
  if (key.startsWith('$') || key.startsWith('/'))
    throw new RangeError(`attribute key "${key}" may not start with $ or /`);
  return key;
}
