/**
 * The ClickHouse SQL of every read, assembled from fixed fragments; every value a caller sent is a
 * typed query parameter (`{pN:Type}`), never spliced into SQL. The statements mirror the DuckDB
 * engine's (same tables in spirit, same answers — the conformance suite holds both to it); what
 * differs is dialect: countIf/sumIf instead of FILTER, position() instead of contains(),
 * quantileExactInclusive (linear interpolation, as DuckDB's quantile_cont), JSONExtract for
 * attributes.
 */
import { MAX_ATTR_FILTERS, MAX_SCORE_FILTERS } from '@witness/protocol';
import { cursorBigInt, decodeCursor } from '../cursor.js';
import { minSeverity } from '../duckdb/log-search.js';
import { SET_SEPARATOR } from '../duckdb/schema.js';
import { msToNs, pageLimit } from '../duckdb/sql-params.js';
import { GROUP_COLUMN } from '../duckdb/span-columns.js';
import { StoreQueryError } from '../query-error.js';
import { scoreFilterCondition } from './score-queries.js';
import type {
  LogQuery,
  SeriesMeasure,
  SpanAggregateQuery,
  SpanCountQuery,
  SpanCountSelector,
  SpanSeriesQuery,
  TraceQuery,
} from '../types.js';

/** Collects typed parameters while a statement is assembled. */
export class ChParams {
  readonly values: Record<string, unknown> = {};
  private n = 0;

  add(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = typeof value === 'bigint' ? value.toString() : value;
    return `{${name}:${type}}`;
  }
  str(value: string): string {
    return this.add(value, 'String');
  }
  i64(value: bigint): string {
    return this.add(value, 'Int64');
  }
}

/** Table names of one database (`db`.`spans`, …), resolved once per store. */
export interface Tables {
  spans: string;
  traceIndex: string;
  traceParts: string;
  logs: string;
  scores: string;
}

const DURATION_MS = '((end_ns - start_ns) / 1e6)';

/** "A span or resource attribute `key` has the text `value`": numbers and booleans as JSON writes them. */
function attributeMatch(key: string, value: string, p: ChParams): string {
  const k = p.str(key);
  const quoted = p.str(JSON.stringify(key));
  const v = p.str(value);
  const one = (col: string) =>
    `(position(${col}, ${quoted}) > 0 AND if(JSONType(${col}, ${k}) = 'String', JSONExtractString(${col}, ${k}), JSONExtractRaw(${col}, ${k})) = ${v})`;
  return `(${one('attributes')} OR ${one('resource')})`;
}

const setMember = (value: string) => SET_SEPARATOR + value + SET_SEPARATOR;

export interface TraceWindow {
  /** Only parts starting at or after it are grouped; traces with an older part are left out. */
  start: bigint;
}

export function buildTraceSearch(t: Tables, q: TraceQuery, window?: TraceWindow) {
  const attributeFilters = Object.keys(q.attributes ?? {}).length;
  if (attributeFilters > MAX_ATTR_FILTERS)
    throw new StoreQueryError(
      `${attributeFilters} attr.* filters given; at most ${MAX_ATTR_FILTERS} per search: drop some, or narrow with service/agent/from/to`,
    );
  const p = new ChParams();
  const pr = p.str(q.project);
  const w = window === undefined ? null : p.i64(window.start);
  const since = w === null ? '' : ` AND start_ns >= ${w}`;
  const where: string[] = [`project = ${pr}${since}`];
  const having: string[] = [];
  const somePart = (condition: string) =>
    where.push(
      `trace_id IN (SELECT trace_id FROM ${t.traceParts} WHERE project = ${pr}${since} AND ${condition})`,
    );
  if (q.service !== undefined) somePart(`position(service_set, ${p.str(setMember(q.service))}) > 0`);
  if (q.kind !== undefined) somePart(`position(kind_set, ${p.str(setMember(q.kind))}) > 0`);
  if (q.agent !== undefined) somePart(`position(agent_set, ${p.str(setMember(q.agent))}) > 0`);
  if (q.model !== undefined) somePart(`position(model_set, ${p.str(setMember(q.model))}) > 0`);
  if (q.sessionId !== undefined) somePart(`session_id = ${p.str(q.sessionId)}`);
  if (q.userId !== undefined) somePart(`user_id = ${p.str(q.userId)}`);
  if (q.status === 'error') somePart('error_count > 0');
  if (q.status === 'ok') having.push('error_count = 0');
  if (q.minDurationMs !== undefined)
    having.push(`trace_end - trace_start >= ${p.i64(msToNs(q.minDurationMs))}`);
  if (q.maxDurationMs !== undefined)
    having.push(`trace_end - trace_start <= ${p.i64(msToNs(q.maxDurationMs))}`);
  if (q.fromUnixNano !== undefined) having.push(`trace_start >= ${p.i64(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) having.push(`trace_start <= ${p.i64(q.toUnixNano)}`);
  const spansWhere = `${t.spans} WHERE project = ${pr}${since}`;
  if (q.name !== undefined)
    where.push(`trace_id IN (SELECT trace_id FROM ${spansWhere} AND name = ${p.str(q.name)})`);
  for (const [key, value] of Object.entries(q.attributes ?? {}))
    where.push(`trace_id IN (SELECT trace_id FROM ${spansWhere} AND ${attributeMatch(key, value, p)})`);
  if ((q.scores?.length ?? 0) > MAX_SCORE_FILTERS)
    throw new StoreQueryError(
      `${q.scores?.length} score filters given; at most ${MAX_SCORE_FILTERS} per search`,
    );
  for (const f of q.scores ?? []) where.push(scoreFilterCondition(t, f, q.project, p));
  if (q.cursor !== undefined) {
    const [start, traceId] = decodeCursor(q.cursor, 2);
    const s = p.i64(cursorBigInt(start));
    having.push(`(trace_start < ${s} OR (trace_start = ${s} AND trace_id < ${p.str(traceId)}))`);
  }
  // A windowed answer is exact only for traces wholly inside the window: one with an older part
  // (found through trace_index, by trace id) would be summarised from part of its spans.
  if (w !== null)
    having.push(
      `trace_id NOT IN (SELECT trace_id FROM ${t.traceIndex} WHERE project = ${pr} AND start_ns < ${w} AND trace_id IN (SELECT trace_id FROM ${t.traceParts} WHERE ${where.join(' AND ')}))`,
    );
  const limit = pageLimit(q.limit);
  // FINAL: a part written twice (the same batch retried after a failure, or by two nodes) counts once.
  const sql = `SELECT trace_id,
      min(start_ns) AS trace_start,
      max(end_ns) AS trace_end,
      sum(span_count) AS span_count,
      sum(error_count) AS error_count,
      sum(tokens) AS tokens,
      sum(cost_usd) AS cost_usd,
      coalesce(max(root_name), argMin(first_name, start_ns)) AS root_name,
      coalesce(max(root_service), argMin(first_service, start_ns)) AS service_name,
      max(session_id) AS session_id,
      max(user_id) AS user_id,
      arrayStringConcat(groupArray(agent_set), '') AS agent_sets
    FROM ${t.traceParts} FINAL
    WHERE ${where.join(' AND ')}
    GROUP BY trace_id
    ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
    ORDER BY trace_start DESC, trace_id DESC
    LIMIT ${p.add(limit + 1, 'UInt32')}`;
  return { sql, params: p.values, limit };
}

// Records sent with only a severity text (number 0) are ranked by their text.
const EFFECTIVE_SEVERITY = `multiIf(severity_number > 0, severity_number,
  startsWith(upper(severity_text), 'FATAL'), 21,
  startsWith(upper(severity_text), 'ERROR'), 17,
  startsWith(upper(severity_text), 'WARN'), 13,
  startsWith(upper(severity_text), 'INFO'), 9,
  startsWith(upper(severity_text), 'DEBUG'), 5,
  startsWith(upper(severity_text), 'TRACE'), 1, 0)`;

export function buildLogSearch(t: Tables, q: LogQuery) {
  const p = new ChParams();
  const where: string[] = [`project = ${p.str(q.project)}`];
  if (q.traceId !== undefined) where.push(`trace_id = ${p.str(q.traceId)}`);
  if (q.service !== undefined) where.push(`service_name = ${p.str(q.service)}`);
  if (q.severity !== undefined)
    where.push(`${EFFECTIVE_SEVERITY} >= ${p.add(minSeverity(q.severity), 'Int32')}`);
  if (q.q !== undefined && q.q !== '') where.push(`positionCaseInsensitiveUTF8(body, ${p.str(q.q)}) > 0`);
  if (q.fromUnixNano !== undefined) where.push(`time_ns >= ${p.i64(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) where.push(`time_ns <= ${p.i64(q.toUnixNano)}`);
  if (q.cursor !== undefined) {
    const [time, id] = decodeCursor(q.cursor, 2);
    const tm = p.i64(cursorBigInt(time));
    where.push(`(time_ns < ${tm} OR (time_ns = ${tm} AND log_id < ${p.i64(cursorBigInt(id))}))`);
  }
  const limit = pageLimit(q.limit);
  const sql = `SELECT log_id, time_ns, severity_number, severity_text, body, trace_id, span_id, service_name, attributes
    FROM ${t.logs} WHERE ${where.join(' AND ')}
    ORDER BY time_ns DESC, log_id DESC LIMIT ${p.add(limit + 1, 'UInt32')}`;
  return { sql, params: p.values, limit };
}

/** One measure as an aggregate over the spans where `pred` holds (`'1'` for all). */
function aggregate(measure: SeriesMeasure | string, pred: string, seconds: () => string): string {
  const err = `${pred} AND status_code = 'error'`;
  switch (measure) {
    case 'count':
      return `toFloat64(countIf(${pred}))`;
    case 'rate':
      return `countIf(${pred}) / ${seconds()}`;
    case 'errors':
      return `toFloat64(countIf(${err}))`;
    case 'error_ratio':
      return `countIf(${err}) / nullIf(countIf(${pred}), 0)`;
    case 'p50':
      return `if(countIf(${pred}) = 0, NULL, quantileExactInclusiveIf(0.5)(${DURATION_MS}, ${pred}))`;
    case 'p95':
      return `if(countIf(${pred}) = 0, NULL, quantileExactInclusiveIf(0.95)(${DURATION_MS}, ${pred}))`;
    case 'p99':
      return `if(countIf(${pred}) = 0, NULL, quantileExactInclusiveIf(0.99)(${DURATION_MS}, ${pred}))`;
    case 'avg_duration':
      return `if(countIf(${pred}) = 0, NULL, avgIf(${DURATION_MS}, ${pred}))`;
    case 'tokens':
      return `toFloat64(sumIf(coalesce(input_tokens, 0) + coalesce(output_tokens, 0), ${pred}))`;
    case 'input_tokens':
      return `toFloat64(sumIf(coalesce(input_tokens, 0), ${pred}))`;
    case 'output_tokens':
      return `toFloat64(sumIf(coalesce(output_tokens, 0), ${pred}))`;
    case 'cost':
      return `toFloat64(sumIf(coalesce(cost_usd, 0), ${pred}))`;
    default:
      throw new StoreQueryError(`measure "${measure}" is not a span measure`);
  }
}

const ZERO_WHEN_EMPTY = new Set([
  'count',
  'rate',
  'errors',
  'tokens',
  'input_tokens',
  'output_tokens',
  'cost',
]);
const MAX_BUCKETS = 20_000;

function stepOf(stepSeconds: number, from: bigint, to: bigint) {
  if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds))
    throw new StoreQueryError('step must be a positive number of seconds');
  const stepNs = BigInt(Math.max(1, Math.round(stepSeconds * 1e9)));
  const buckets = Number((to - from + stepNs - 1n) / stepNs);
  if (buckets > MAX_BUCKETS)
    throw new StoreQueryError(`${buckets} buckets asked; at most ${MAX_BUCKETS}: use a larger step`);
  return { stepNs, buckets };
}

export function buildSpanSeries(t: Tables, q: SpanSeriesQuery) {
  if (
    !ZERO_WHEN_EMPTY.has(q.measure) &&
    !['error_ratio', 'p50', 'p95', 'p99', 'avg_duration'].includes(q.measure)
  )
    throw new StoreQueryError(`measure "${String(q.measure)}" is not a span measure`);
  if (!(q.stepSeconds > 0) || !Number.isFinite(q.stepSeconds))
    throw new StoreQueryError('step must be a positive number of seconds');
  if (q.toUnixNano <= q.fromUnixNano)
    throw new StoreQueryError('the series range is empty: "to" must be after "from"');
  const { stepNs, buckets } = stepOf(q.stepSeconds, q.fromUnixNano, q.toUnixNano);
  const groupColumn = q.groupBy === undefined ? null : GROUP_COLUMN[q.groupBy];
  if (q.groupBy !== undefined && !groupColumn)
    throw new StoreQueryError(`groupBy "${String(q.groupBy)}" is not supported`);
  const p = new ChParams();
  const from = p.i64(q.fromUnixNano);
  const where = [`project = ${p.str(q.project)}`, `start_ns >= ${from}`, `start_ns < ${p.i64(q.toUnixNano)}`];
  const f = q.filter ?? {};
  if (f.service !== undefined) where.push(`service_name = ${p.str(f.service)}`);
  if (f.kind !== undefined) where.push(`kind = ${p.str(f.kind)}`);
  if (f.agent !== undefined) where.push(`agent_name = ${p.str(f.agent)}`);
  if (f.model !== undefined) where.push(`model = ${p.str(f.model)}`);
  if (f.tool !== undefined) where.push(`tool_name = ${p.str(f.tool)}`);
  if (groupColumn) where.push(`${groupColumn} IS NOT NULL`);
  const sql = `SELECT ${groupColumn === null ? "''" : `assumeNotNull(${groupColumn})`} AS label,
      intDiv(start_ns - ${from}, ${p.i64(stepNs)}) AS bucket,
      ${aggregate(q.measure, '1', () => p.add(q.stepSeconds, 'Float64'))} AS value, count() AS n
    FROM ${t.spans} FINAL WHERE ${where.join(' AND ')}
    GROUP BY label, bucket`;
  return { sql, params: p.values, buckets, stepNs, zero: ZERO_WHEN_EMPTY.has(q.measure) };
}

/** The selector's filter as a predicate ('1' when it selects every span). */
function filterPredicate(f: SpanCountSelector['filter'], p: ChParams): string {
  const parts: string[] = [];
  if (f.service !== undefined) parts.push(`service_name = ${p.str(f.service)}`);
  if (f.kind !== undefined) parts.push(`kind = ${p.str(f.kind)}`);
  if (f.name !== undefined) parts.push(`name = ${p.str(f.name)}`);
  if (f.agent !== undefined) parts.push(`agent_name = ${p.str(f.agent)}`);
  if (f.model !== undefined) parts.push(`model = ${p.str(f.model)}`);
  if (f.tool !== undefined) parts.push(`tool_name = ${p.str(f.tool)}`);
  const attrs = Object.entries(f.attributes ?? {});
  if (attrs.length > 10) throw new StoreQueryError(`${attrs.length} attribute filters; at most 10`);
  for (const [key, value] of attrs) parts.push(attributeMatch(key, value, p));
  // coalesce: a comparison with a NULL column (no model) is NULL, which countIf must read as false
  return parts.length === 0 ? '1' : `coalesce(${parts.join(' AND ')}, 0)`;
}

export const CHUNK = 200;

export function buildSpanCounts(t: Tables, q: SpanCountQuery, selectors: SpanCountSelector[]) {
  if (q.toUnixNano <= q.fromUnixNano) throw new StoreQueryError('"to" must be after "from"');
  const { stepNs } = stepOf(q.stepSeconds, q.fromUnixNano, q.toUnixNano);
  const p = new ChParams();
  const from = p.i64(q.fromUnixNano);
  const to = p.i64(q.toUnixNano);
  const columns = selectors.map((s, i) => {
    const pred = `project = ${p.str(s.project)} AND ${filterPredicate(s.filter, p)}`;
    const bad =
      'status' in s.bad
        ? `status_code = 'error'`
        : `end_ns - start_ns > ${p.i64(msToNs(s.bad.slowerThanMs))}`;
    return `countIf(${pred}) AS t${i}, countIf(${pred} AND ${bad}) AS b${i}`;
  });
  const projects = p.add([...new Set(selectors.map((s) => s.project))], 'Array(String)');
  const sql = `SELECT intDiv(start_ns - ${from}, ${p.i64(stepNs)}) AS bucket, ${columns.join(',\n  ')}
    FROM ${t.spans} FINAL WHERE project IN ${projects} AND start_ns >= ${from} AND start_ns < ${to} GROUP BY bucket`;
  return { sql, params: p.values };
}

export function buildSpanAggregates(t: Tables, q: SpanAggregateQuery, items: SpanAggregateQuery['items']) {
  const groupColumn = q.groupBy === undefined ? null : GROUP_COLUMN[q.groupBy];
  if (q.groupBy !== undefined && !groupColumn)
    throw new StoreQueryError(`groupBy "${String(q.groupBy)}" is not supported`);
  const p = new ChParams();
  let earliest = q.toUnixNano;
  const columns = items.map((item, i) => {
    if (item.fromUnixNano >= q.toUnixNano) throw new StoreQueryError('an item starts after "to"');
    if (item.fromUnixNano < earliest) earliest = item.fromUnixNano;
    const seconds = () => p.add(Number(q.toUnixNano - item.fromUnixNano) / 1e9, 'Float64');
    const pred = `project = ${p.str(item.project)} AND start_ns >= ${p.i64(item.fromUnixNano)} AND ${filterPredicate(item.filter, p)}`;
    return `${aggregate(item.measure, pred, seconds)} AS v${i}`;
  });
  const projects = p.add([...new Set(items.map((i) => i.project))], 'Array(String)');
  const where = [
    `project IN ${projects}`,
    `start_ns >= ${p.i64(earliest)}`,
    `start_ns < ${p.i64(q.toUnixNano)}`,
  ];
  if (groupColumn) where.push(`${groupColumn} IS NOT NULL`);
  const sql = `SELECT ${groupColumn === null ? "''" : `assumeNotNull(${groupColumn})`} AS grp, ${columns.join(',\n  ')}
    FROM ${t.spans} FINAL WHERE ${where.join(' AND ')} GROUP BY grp`;
  return { sql, params: p.values };
}
