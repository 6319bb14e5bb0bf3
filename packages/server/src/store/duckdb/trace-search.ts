/**
 * The trace list: GROUP BY over `trace_parts` (per-batch partial aggregates, ~20× fewer rows than
 * spans), newest trace start first, trace id descending as the tie-breaker. Filters on what a part
 * knows (services, kinds, agents, models, session, user, errors) are semi-joins on the parts that
 * match; durations and times are HAVING clauses; span name and attributes are semi-joins on `spans`.
 *
 * Newest-first pages rarely need old data, so a search first runs over a time window
 * `start_ns >= W` (zone maps skip every older row group). That is exact for every trace that started
 * at or after W: all its parts and spans start at or after its start. Traces that started before W
 * but have a later part would be summarised from part of their data, so the windowed query drops any
 * trace with a part before W (an anti-join probing from the small candidate set). If the window
 * yields a full page, those are the newest matching traces; otherwise the caller widens the window,
 * and finally runs without one.
 */
import { MAX_ATTR_FILTERS, MAX_SCORE_FILTERS, type TraceSummaryJson } from '@witness/protocol';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import { cutString } from '../answer-bounds.js';
import { StoreQueryError } from '../query-error.js';
import type { TraceQuery } from '../types.js';
import { jsonKeyPath } from './json-columns.js';
import { scoreFilterCondition } from './score-queries.js';
import { SET_SEPARATOR } from './schema.js';
import { setMember } from './span-rows.js';
import { SqlParams, msToNs, pageLimit } from './sql-params.js';

export interface BuiltQuery {
  sql: string;
  params: SqlParams;
  limit: number;
}

/**
 * `start`: the window's lower bound W. `upper`: no wanted trace starts after it (the cursor's start,
 * or `to`); parts after it are read only for traces that have a part inside [W, upper], so a deep
 * page does not group every newer trace. Left out when no part starts after it (the first page):
 * the clause would then only cost a join.
 */
export interface TraceWindow {
  start: bigint;
  upper?: bigint;
  /**
   * With many traces starting in the same nanosecond (agents launched in a burst) a time bound cannot
   * cut between them: the window then starts at the key (start, startTraceId) instead, in list order.
   */
  startTraceId?: string;
}

/**
 * Most `attr.*` filters in one search. Each is a semi-join over spans: 150 of them once took 8 s and
 * 300 ran for minutes at 3 GB. Ten covers any real search (Datadog's facet bar shows a handful).
 */
export const MAX_ATTRIBUTE_FILTERS = MAX_ATTR_FILTERS; // part of the API contract (@witness/protocol)

export function buildTraceSearch(q: TraceQuery, window?: TraceWindow): BuiltQuery {
  const attributeFilters = Object.keys(q.attributes ?? {}).length;
  if (attributeFilters > MAX_ATTRIBUTE_FILTERS)
    throw new StoreQueryError(
      `${attributeFilters} attr.* filters given; at most ${MAX_ATTRIBUTE_FILTERS} per search: drop some, or narrow with service/agent/from/to`,
    );
  const p = new SqlParams();
  // Project first, in the outer WHERE and in every subquery: a semi-join on another project's part
  // with the same trace id would otherwise let that trace through.
  const pr = p.add(q.project);
  const where: string[] = [`project = ${pr}`];
  const having: string[] = [];
  const w = window === undefined ? null : p.add(window.start);
  const wt = window?.startTraceId === undefined ? null : p.add(window.startTraceId);
  if (window !== undefined && w !== null) {
    where.push(`start_ns >= ${w}`);
    // A trace at or after the key (W, wt) has every part there too: same trace id, start ≥ its start.
    if (wt !== null) where.push(`(start_ns > ${w} OR trace_id >= ${wt})`);
    if (window.upper !== undefined) {
      const u = p.add(window.upper);
      where.push(
        `(start_ns <= ${u} OR trace_id IN (SELECT trace_id FROM trace_parts WHERE project = ${pr} AND start_ns >= ${w} AND start_ns <= ${u}))`,
      );
    }
  }
  const spansWhere =
    w === null ? `spans WHERE project = ${pr} AND` : `spans WHERE project = ${pr} AND start_ns >= ${w} AND`;
  // "Some part of the trace has X" as a semi-join on the parts that have X: a rare X (an agent
  // nobody runs, an error) leaves almost nothing to group, instead of grouping every trace first.
  const partsWhere =
    w === null
      ? `trace_parts WHERE project = ${pr} AND`
      : `trace_parts WHERE project = ${pr} AND start_ns >= ${w} AND`;
  const somePart = (condition: string) =>
    where.push(`trace_id IN (SELECT trace_id FROM ${partsWhere} ${condition})`);
  if (q.service !== undefined) somePart(`contains(service_set, ${p.add(setMember(q.service))})`);
  if (q.kind !== undefined) somePart(`contains(kind_set, ${p.add(setMember(q.kind))})`);
  if (q.agent !== undefined) somePart(`contains(agent_set, ${p.add(setMember(q.agent))})`);
  if (q.model !== undefined) somePart(`contains(model_set, ${p.add(setMember(q.model))})`);
  if (q.sessionId !== undefined) somePart(`session_id = ${p.add(q.sessionId)}`);
  if (q.userId !== undefined) somePart(`user_id = ${p.add(q.userId)}`);
  if (q.status === 'error') somePart('error_count > 0');
  if (q.status === 'ok') having.push('sum(error_count) = 0');
  if (q.minDurationMs !== undefined)
    having.push(`max(end_ns) - min(start_ns) >= ${p.add(msToNs(q.minDurationMs))}`);
  if (q.maxDurationMs !== undefined)
    having.push(`max(end_ns) - min(start_ns) <= ${p.add(msToNs(q.maxDurationMs))}`);
  if (q.fromUnixNano !== undefined) having.push(`min(start_ns) >= ${p.add(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) having.push(`min(start_ns) <= ${p.add(q.toUnixNano)}`);
  if (q.name !== undefined)
    where.push(`trace_id IN (SELECT trace_id FROM ${spansWhere} name = ${p.add(q.name)})`);
  for (const [key, value] of Object.entries(q.attributes ?? {})) {
    // contains() on the raw JSON text skips spans without the key before any JSON is parsed.
    const k = p.add(JSON.stringify(key));
    const path = p.add(jsonKeyPath(key));
    const v = p.add(value);
    where.push(`trace_id IN (SELECT trace_id FROM ${spansWhere}
      ((contains(attributes, ${k}) AND json_extract_string(attributes, ${path}) = ${v})
      OR (contains(resource, ${k}) AND json_extract_string(resource, ${path}) = ${v})))`);
  }
  if ((q.scores?.length ?? 0) > MAX_SCORE_FILTERS)
    throw new StoreQueryError(
      `${q.scores?.length} score filters given; at most ${MAX_SCORE_FILTERS} per search`,
    );
  for (const f of q.scores ?? []) where.push(scoreFilterCondition(f, q.project, p));
  if (q.cursor !== undefined) {
    const [start, traceId] = decodeCursor(q.cursor, 2);
    const s = p.add(cursorBigInt(start));
    having.push(`(min(start_ns) < ${s} OR (min(start_ns) = ${s} AND trace_id < ${p.add(traceId)}))`);
  }
  const limit = pageLimit(q.limit);
  const grouped = `SELECT trace_id,
      min(start_ns) AS trace_start,
      max(end_ns) AS trace_end,
      sum(span_count)::BIGINT AS span_count,
      sum(error_count)::BIGINT AS error_count,
      sum(tokens) AS tokens,
      sum(cost_usd) AS cost_usd,
      coalesce(max(root_name), arg_min(first_name, start_ns)) AS root_name,
      coalesce(max(root_service), arg_min(first_service, start_ns)) AS service_name,
      max(session_id) AS session_id,
      max(user_id) AS user_id,
      string_agg(agent_set, '') AS agent_sets
    FROM trace_parts
    WHERE ${where.join(' AND ')}
    GROUP BY trace_id
    ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}`;
  const page = `ORDER BY trace_start DESC, trace_id DESC LIMIT ${p.add(limit + 1)}`;
  const sql =
    w === null
      ? `${grouped} ${page}`
      : `SELECT * FROM (${grouped}) AS candidates
         WHERE NOT EXISTS (SELECT 1 FROM trace_parts AS older WHERE older.trace_id = candidates.trace_id
           AND older.project = ${pr} AND (older.start_ns < ${w}${wt === null ? '' : ` OR (older.start_ns = ${w} AND candidates.trace_id < ${wt})`}))
         ${page}`;
  return { sql, params: p, limit };
}

type Row = Record<string, unknown>;

/** At most this many agent names per trace summary (a trace could name thousands). */
const MAX_AGENTS = 50;

function agentsOf(sets: string | null): string[] {
  if (!sets) return [];
  const names = [...new Set(sets.split(SET_SEPARATOR).filter((a) => a !== ''))].sort();
  return names.slice(0, MAX_AGENTS).map((a) => cutString(a));
}

const cutOrNull = (v: unknown): string | null =>
  v === null || v === undefined ? null : cutString(v as string);

export function traceSummaryFromRow(r: Row): TraceSummaryJson {
  const start = r.trace_start as bigint;
  const end = r.trace_end as bigint;
  return {
    traceId: r.trace_id as string,
    // list strings are cut (answer-bounds.ts): the full name is on the trace itself
    rootName: cutString(r.root_name as string),
    serviceName: cutString(r.service_name as string),
    startTimeUnixNano: String(start),
    durationMs: Number(end - start) / 1e6,
    spanCount: Number(r.span_count),
    errorCount: Number(r.error_count),
    totalTokens: Number(r.tokens),
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
    sessionId: cutOrNull(r.session_id),
    userId: cutOrNull(r.user_id),
    agents: agentsOf(r.agent_sets as string | null),
  };
}

export function traceCursor(item: TraceSummaryJson): string {
  return encodeCursor([item.startTimeUnixNano, item.traceId]);
}
