/**
 * Span-derived time series: one GROUP BY (series label, step bucket) over `spans`, then every bucket
 * of [from, to) filled in JS so charts get evenly spaced points. Counting measures are 0 in an empty
 * bucket; ratios, averages and percentiles are null there (there is nothing to average).
 */
import { StoreQueryError } from '../query-error.js';
import type { SeriesMeasure, Series, SpanSeriesQuery } from '../types.js';
import { SqlParams } from './sql-params.js';
import { DURATION_MS, GROUP_COLUMN } from './span-columns.js';

/** SQL for the measure; `zero` when an empty bucket reads 0 rather than null. */
const MEASURE: Record<SeriesMeasure, { sql: (stepSeconds: () => string) => string; zero: boolean }> = {
  count: { sql: () => 'count(*)::DOUBLE', zero: true },
  rate: { sql: (step) => `count(*) / ${step()}`, zero: true },
  errors: { sql: () => `count(*) FILTER (WHERE status_code = 'error')::DOUBLE`, zero: true },
  error_ratio: { sql: () => `count(*) FILTER (WHERE status_code = 'error') / count(*)`, zero: false },
  p50: { sql: () => `quantile_cont(${DURATION_MS}, 0.5)`, zero: false },
  p95: { sql: () => `quantile_cont(${DURATION_MS}, 0.95)`, zero: false },
  p99: { sql: () => `quantile_cont(${DURATION_MS}, 0.99)`, zero: false },
  avg_duration: { sql: () => `avg(${DURATION_MS})`, zero: false },
  tokens: {
    sql: () => 'coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0)',
    zero: true,
  },
  input_tokens: { sql: () => 'coalesce(sum(input_tokens), 0)', zero: true },
  output_tokens: { sql: () => 'coalesce(sum(output_tokens), 0)', zero: true },
  cost: { sql: () => 'coalesce(sum(cost_usd), 0)', zero: true },
};

/** More buckets than any chart draws: a guard against `step=1s` over a year. */
const MAX_BUCKETS = 20_000;

export function buildSpanSeries(q: SpanSeriesQuery) {
  const measure = MEASURE[q.measure];
  if (!measure)
    throw new StoreQueryError(
      `measure "${String(q.measure)}" is not one of ${Object.keys(MEASURE).join(', ')}`,
    );
  if (!(q.stepSeconds > 0) || !Number.isFinite(q.stepSeconds))
    throw new StoreQueryError('step must be a positive number of seconds');
  if (q.toUnixNano <= q.fromUnixNano)
    throw new StoreQueryError('the series range is empty: "to" must be after "from"');
  const stepNs = BigInt(Math.max(1, Math.round(q.stepSeconds * 1e9)));
  const buckets = Number((q.toUnixNano - q.fromUnixNano + stepNs - 1n) / stepNs);
  if (buckets > MAX_BUCKETS)
    throw new StoreQueryError(`${buckets} buckets asked; at most ${MAX_BUCKETS}: use a larger step`);
  const groupColumn = q.groupBy === undefined ? null : GROUP_COLUMN[q.groupBy];
  if (q.groupBy !== undefined && !groupColumn)
    throw new StoreQueryError(`groupBy "${String(q.groupBy)}" is not supported`);

  const p = new SqlParams();
  const from = p.add(q.fromUnixNano);
  const where = [`project = ${p.add(q.project)}`, `start_ns >= ${from}`, `start_ns < ${p.add(q.toUnixNano)}`];
  const f = q.filter ?? {};
  if (f.service !== undefined) where.push(`service_name = ${p.add(f.service)}`);
  if (f.kind !== undefined) where.push(`kind = ${p.add(f.kind)}`);
  if (f.agent !== undefined) where.push(`agent_name = ${p.add(f.agent)}`);
  if (f.model !== undefined) where.push(`model = ${p.add(f.model)}`);
  if (f.tool !== undefined) where.push(`tool_name = ${p.add(f.tool)}`);
  // Spans without the grouped field (no model on a tool span) belong to no series.
  if (groupColumn) where.push(`${groupColumn} IS NOT NULL`);
  const step = p.add(stepNs);
  const sql = `SELECT ${groupColumn ?? "''"} AS label, (start_ns - ${from}) // ${step} AS bucket,
      ${measure.sql(() => p.add(q.stepSeconds))} AS value, count(*) AS n
    FROM spans WHERE ${where.join(' AND ')}
    GROUP BY ALL`;
  return { sql, params: p, buckets, stepNs, zero: measure.zero };
}

export function assembleSeries(
  q: SpanSeriesQuery,
  built: ReturnType<typeof buildSpanSeries>,
  rows: Array<Record<string, unknown>>,
): Series[] {
  const byLabel = new Map<string, { total: number; values: Map<number, number | null> }>();
  for (const r of rows) {
    const label = r.label as string;
    let s = byLabel.get(label);
    if (!s) {
      s = { total: 0, values: new Map() };
      byLabel.set(label, s);
    }
    s.total += Number(r.n);
    s.values.set(Number(r.bucket), r.value === null ? null : Number(r.value));
  }
  const limit = q.limit ?? 20;
  const ranked = [...byLabel.entries()]
    .sort((a, b) => b[1].total - a[1].total || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit);
  const out: Series[] = [];
  for (const [label, s] of ranked) {
    const points: Array<[number, number | null]> = [];
    for (let i = 0; i < built.buckets; i++) {
      const startMs = Number((q.fromUnixNano + BigInt(i) * built.stepNs) / 1_000_000n);
      const v = s.values.get(i);
      points.push([startMs, v === undefined ? (built.zero ? 0 : null) : v]);
    }
    out.push({ labels: q.groupBy === undefined ? {} : { [q.groupBy]: label }, points });
  }
  // With no spans at all there is still one (empty) ungrouped series, so charts draw a flat line.
  if (out.length === 0 && q.groupBy === undefined) {
    const points: Array<[number, number | null]> = [];
    for (let i = 0; i < built.buckets; i++) {
      points.push([Number((q.fromUnixNano + BigInt(i) * built.stepNs) / 1_000_000n), built.zero ? 0 : null]);
    }
    out.push({ labels: {}, points });
  }
  return out;
}
