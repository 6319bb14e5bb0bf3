/**
 * Rows of `metric_points` as both engines read them back: DuckDB's row objects (BIGINT as bigint)
 * and ClickHouse's JSONEachRow (Int64 as a decimal string). The queries differ per engine; what an
 * answer is made of from a row does not, so it is written once here.
 */
import type { StoredPoint } from './aggregate-points.js';
import type { MetricType, Temporality } from './metric-point.js';

type Row = Record<string, unknown>;

/** A point of `query` (columns stream, grp, start_ns, time_ns, type, temporality, monotonic, value, count, sum, detail). */
export function storedPointFromRow(r: Row, groupName: string | undefined): StoredPoint {
  const d =
    r.detail === null
      ? null
      : (JSON.parse(String(r.detail)) as { b?: number[]; c?: number[]; q?: Array<[number, number]> });
  return {
    stream: String(r.stream),
    group: groupName ? { [groupName]: r.grp === null ? '' : String(r.grp) } : {},
    timeMs: Number(BigInt(String(r.time_ns)) / 1_000_000n),
    startMs: Number(BigInt(String(r.start_ns)) / 1_000_000n),
    type: String(r.type) as MetricType,
    temporality: (r.temporality as Temporality | null) ?? null,
    monotonic: r.monotonic === null ? null : Boolean(r.monotonic),
    value: r.value === null ? null : Number(r.value),
    count: r.count === null ? null : Number(r.count),
    sum: r.sum === null ? null : Number(r.sum),
    bounds: d?.b ?? null,
    bucketCounts: d?.c ?? null,
    quantiles: d?.q ?? null,
  };
}

/** What `describe` answers (columns type, monotonic, unit). */
export function metricTypeFromRow(r: Row): { type: MetricType; monotonic: boolean | null; unit: string } {
  return {
    type: String(r.type) as MetricType,
    monotonic: r.monotonic === null ? null : Boolean(r.monotonic),
    unit: String(r.unit),
  };
}

/** One metric of `listMetrics` (columns metric, type, unit, description, points). */
export function listedMetricFromRow(r: Row): {
  metric: string;
  type: MetricType;
  unit: string;
  description: string;
  points: number;
} {
  return {
    metric: String(r.metric),
    type: String(r.type) as MetricType,
    unit: String(r.unit),
    description: String(r.description),
    points: Number(r.points),
  };
}
