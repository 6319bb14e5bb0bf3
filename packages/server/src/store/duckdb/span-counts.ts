/**
 * The two batched reads alerting makes each tick. Evaluating 1,000 SLOs with one query each would
 * pay DuckDB's per-statement cost 1,000 times per tick; instead every SLO (or rule) becomes a pair of
 * `FILTER (WHERE …)` aggregates of ONE scan over the recent time range, which zone maps on start_ns
 * keep short. Statements hold at most CHUNK selectors, so no statement grows without bound.
 */
import { StoreQueryError } from '../query-error.js';
import type { SpanAggregateQuery, SpanCountQuery, SpanCountSelector } from '../types.js';
import { jsonKeyPath } from './json-columns.js';
import { type SqlParams, msToNs } from './sql-params.js';
import { DURATION_MS, GROUP_COLUMN } from './span-columns.js';

/** Selectors (or rule items) per statement: bounds the SQL text and the width of each row. */
export const CHUNK = 200;
const MAX_BUCKETS = 20_000;

/** The selector's filter as a SQL predicate (TRUE when it selects every span). */
export function filterPredicate(f: SpanCountSelector['filter'], p: SqlParams): string {
  const parts: string[] = [];
  if (f.service !== undefined) parts.push(`service_name = ${p.add(f.service)}`);
  if (f.kind !== undefined) parts.push(`kind = ${p.add(f.kind)}`);
  if (f.name !== undefined) parts.push(`name = ${p.add(f.name)}`);
  if (f.agent !== undefined) parts.push(`agent_name = ${p.add(f.agent)}`);
  if (f.model !== undefined) parts.push(`model = ${p.add(f.model)}`);
  if (f.tool !== undefined) parts.push(`tool_name = ${p.add(f.tool)}`);
  const attrs = Object.entries(f.attributes ?? {});
  if (attrs.length > 10) throw new StoreQueryError(`${attrs.length} attribute filters; at most 10`);
  for (const [key, value] of attrs) {
    // contains() on the raw JSON text skips spans without the key before any JSON is parsed.
    const k = p.add(JSON.stringify(key));
    const path = p.add(jsonKeyPath(key));
    const v = p.add(value);
    parts.push(`((contains(attributes, ${k}) AND json_extract_string(attributes, ${path}) = ${v})
      OR (contains(resource, ${k}) AND json_extract_string(resource, ${path}) = ${v}))`);
  }
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

function badPredicate(bad: SpanCountSelector['bad'], p: SqlParams): string {
  if ('status' in bad) return `status_code = 'error'`;
  return `end_ns - start_ns > ${p.add(msToNs(bad.slowerThanMs))}`;
}

export function buildSpanCounts(q: SpanCountQuery, selectors: SpanCountSelector[], p: SqlParams) {
  if (!(q.stepSeconds > 0) || !Number.isFinite(q.stepSeconds))
    throw new StoreQueryError('step must be a positive number of seconds');
  if (q.toUnixNano <= q.fromUnixNano) throw new StoreQueryError('"to" must be after "from"');
  const stepNs = BigInt(Math.max(1, Math.round(q.stepSeconds * 1e9)));
  const buckets = Number((q.toUnixNano - q.fromUnixNano + stepNs - 1n) / stepNs);
  if (buckets > MAX_BUCKETS)
    throw new StoreQueryError(`${buckets} buckets asked; at most ${MAX_BUCKETS}: use a larger step`);
  const from = p.add(q.fromUnixNano);
  const to = p.add(q.toUnixNano);
  const columns = selectors.map((s, i) => {
    const pred = `project = ${p.add(s.project)} AND ${filterPredicate(s.filter, p)}`;
    return `count(*) FILTER (WHERE ${pred}) AS t${i}, count(*) FILTER (WHERE ${pred} AND ${badPredicate(s.bad, p)}) AS b${i}`;
  });
  const projects = [...new Set(selectors.map((s) => s.project))].map((x) => p.add(x));
  return `SELECT (start_ns - ${from}) // ${p.add(stepNs)} AS bucket, ${columns.join(',\n  ')}
    FROM spans WHERE project IN (${projects.join(', ')}) AND start_ns >= ${from} AND start_ns < ${to} GROUP BY ALL`;
}

/** One measure as an aggregate restricted to the item's spans (`pred`), over a window of `seconds`. */
function aggregate(measure: string, pred: string, seconds: () => string): string {
  const f = `FILTER (WHERE ${pred})`;
  switch (measure) {
    case 'count':
      return `count(*) ${f}::DOUBLE`;
    case 'rate':
      return `count(*) ${f} / ${seconds()}`;
    case 'errors':
      return `count(*) FILTER (WHERE ${pred} AND status_code = 'error')::DOUBLE`;
    case 'error_ratio':
      return `count(*) FILTER (WHERE ${pred} AND status_code = 'error') / nullif(count(*) ${f}, 0)`;
    case 'p50':
      return `quantile_cont(${DURATION_MS}, 0.5) ${f}`;
    case 'p95':
      return `quantile_cont(${DURATION_MS}, 0.95) ${f}`;
    case 'p99':
      return `quantile_cont(${DURATION_MS}, 0.99) ${f}`;
    case 'avg_duration':
      return `avg(${DURATION_MS}) ${f}`;
    case 'tokens':
      return `coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) ${f}, 0)`;
    case 'input_tokens':
      return `coalesce(sum(input_tokens) ${f}, 0)`;
    case 'output_tokens':
      return `coalesce(sum(output_tokens) ${f}, 0)`;
    case 'cost':
      return `coalesce(sum(cost_usd) ${f}, 0)`;
    default:
      throw new StoreQueryError(`measure "${measure}" is not a span measure`);
  }
}

export function buildSpanAggregates(q: SpanAggregateQuery, items: SpanAggregateQuery['items'], p: SqlParams) {
  const groupColumn = q.groupBy === undefined ? null : GROUP_COLUMN[q.groupBy];
  if (q.groupBy !== undefined && !groupColumn)
    throw new StoreQueryError(`groupBy "${String(q.groupBy)}" is not supported`);
  let earliest = q.toUnixNano;
  const columns = items.map((item, i) => {
    if (item.fromUnixNano >= q.toUnixNano) throw new StoreQueryError('an item starts after "to"');
    if (item.fromUnixNano < earliest) earliest = item.fromUnixNano;
    // only a rate divides by the window: a parameter the SQL does not use is a bind error in DuckDB
    const seconds = () => p.add(Number(q.toUnixNano - item.fromUnixNano) / 1e9);
    const pred = `project = ${p.add(item.project)} AND start_ns >= ${p.add(item.fromUnixNano)} AND ${filterPredicate(item.filter, p)}`;
    return `${aggregate(item.measure, pred, seconds)} AS v${i}`;
  });
  const projects = [...new Set(items.map((i) => i.project))].map((x) => p.add(x));
  const where = [
    `project IN (${projects.join(', ')})`,
    `start_ns >= ${p.add(earliest)}`,
    `start_ns < ${p.add(q.toUnixNano)}`,
  ];
  if (groupColumn) where.push(`${groupColumn} IS NOT NULL`);
  return `SELECT ${groupColumn ?? "''"} AS grp, ${columns.join(',\n  ')}
    FROM spans WHERE ${where.join(' AND ')} GROUP BY ALL`;
}
