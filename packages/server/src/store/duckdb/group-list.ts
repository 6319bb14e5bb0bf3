/**
 * Sessions and users (`GET /api/sessions`, `/api/users`) from `trace_parts`: ~20× fewer rows than
 * spans, and since schema version 4 every part carries what a group sums (input/output tokens, LLM
 * calls, cost, errors). Two GROUP BYs: parts → traces (a trace's session and user are the ones its
 * parts name), traces → sessions (users). The page's agents, models and users are read afterwards for
 * the page's groups only, so the big query carries no strings besides the id.
 *
 * The time range is on trace start: a trace counts when its first span started in [from, to]. Parts
 * at or after `from` are scanned (zone maps skip older row groups); a trace that started before `from`
 * but has a later part is dropped by an anti-join, so a group is never summed from half a trace.
 */
import type { GroupSort, SessionSummaryJson, UserSummaryJson } from '@witness/protocol';
import { type DuckDBValue, listValue } from '@duckdb/node-api';
import { cutString } from '../answer-bounds.js';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import { StoreQueryError } from '../query-error.js';
import type { GroupListQuery } from '../types.js';
import { SET_SEPARATOR } from './schema.js';
import { setMember } from './span-rows.js';
import { SqlParams } from './sql-params.js';

export type GroupBy = 'session' | 'user';

/** Sort key → SQL over the grouped columns, and whether it is an integer (cursor part as bigint). */
const SORT_SQL: Record<GroupSort, { sql: string; integer: boolean }> = {
  lastSeen: { sql: 'last_ns', integer: true },
  firstSeen: { sql: 'first_ns', integer: true },
  traces: { sql: 'traces', integer: true },
  turns: { sql: 'turns', integer: true },
  duration: { sql: '(last_ns - first_ns)', integer: true },
  inputTokens: { sql: 'input_tokens', integer: false },
  outputTokens: { sql: 'output_tokens', integer: false },
  tokens: { sql: '(input_tokens + output_tokens)', integer: false },
  cost: { sql: 'cost_usd', integer: false },
  errors: { sql: 'errors', integer: true },
  sessions: { sql: 'sessions', integer: true },
};

const GROUP_LIMIT_MAX = 500;

export function groupPageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.min(GROUP_LIMIT_MAX, Math.max(1, Math.trunc(limit)));
}

/** The traces CTE: one row per trace of the project counted by the query's time range. */
export function tracesCte(q: GroupListQuery, p: SqlParams, pr: string, extra = ''): string {
  const where = [`project = ${pr}`];
  const having: string[] = [];
  let anti = '';
  if (q.fromUnixNano !== undefined) {
    const f = p.add(q.fromUnixNano);
    where.push(`start_ns >= ${f}`);
    anti = `AND trace_id NOT IN (SELECT trace_id FROM trace_parts WHERE project = ${pr} AND start_ns < ${f})`;
  }
  if (q.toUnixNano !== undefined) having.push(`min(start_ns) <= ${p.add(q.toUnixNano)}`);
  const flags: string[] = [];
  if (q.service !== undefined)
    flags.push(`bool_or(contains(service_set, ${p.add(setMember(q.service))})) AS f_service`);
  if (q.agent !== undefined)
    flags.push(`bool_or(contains(agent_set, ${p.add(setMember(q.agent))})) AS f_agent`);
  if (q.model !== undefined)
    flags.push(`bool_or(contains(model_set, ${p.add(setMember(q.model))})) AS f_model`);
  return `traces AS (
    SELECT trace_id, max(session_id) AS session_id, max(user_id) AS user_id,
      min(start_ns) AS s, max(end_ns) AS e, sum(error_count) AS errors,
      sum(input_tokens) AS tin, sum(output_tokens) AS tout, sum(cost_usd) AS cost, sum(llm_calls) AS llm
      ${flags.map((f) => `, ${f}`).join('')}${extra}
    FROM trace_parts WHERE ${where.join(' AND ')} ${anti}
    GROUP BY trace_id ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''})`;
}

/** The traces CTE cut to traces with a part whose id column matches: a semi-join, not a full grouping. */
export function restrictTo(cte: string, pr: string, idCol: string, match: string): string {
  return cte.replace(
    'GROUP BY trace_id',
    `AND trace_id IN (SELECT trace_id FROM trace_parts WHERE project = ${pr} AND ${idCol} ${match})
    GROUP BY trace_id`,
  );
}

export interface BuiltGroupQuery {
  sql: string;
  params: DuckDBValue[];
  limit: number;
}

/** `onlyId`: the one group of that id (a session's summary on its own page). */
export function buildGroupList(q: GroupListQuery, by: GroupBy, onlyId?: string): BuiltGroupQuery {
  const sort = q.sort ?? 'lastSeen';
  const order = q.order ?? 'desc';
  if (sort === 'sessions' && by === 'session')
    throw new StoreQueryError('sort "sessions" is for users; sort sessions by one of their own columns');
  const key = SORT_SQL[sort];
  if (key === undefined) throw new StoreQueryError(`sort "${sort}" is not a column of the list`);
  const p = new SqlParams();
  const pr = p.add(q.project);
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const where = [`${idCol} IS NOT NULL`];
  // sessions of this user; for users, this one user (its page's header)
  if (q.userId !== undefined) where.push(`user_id = ${p.add(q.userId)}`);
  if (onlyId !== undefined) where.push(`${idCol} = ${p.add(onlyId)}`);
  let cte = tracesCte(q, p, pr);
  if (onlyId !== undefined) cte = restrictTo(cte, pr, idCol, `= ${p.add(onlyId)}`);
  const having: string[] = [];
  if (q.service !== undefined) having.push('bool_or(f_service)');
  if (q.agent !== undefined) having.push('bool_or(f_agent)');
  if (q.model !== undefined) having.push('bool_or(f_model)');
  if (q.minCostUsd !== undefined) having.push(`coalesce(sum(cost), 0) >= ${p.add(q.minCostUsd)}`);
  if (q.status === 'error') having.push('sum(errors) > 0');
  const outer: string[] = [];
  if (q.cursor !== undefined) {
    const [cSort, cOrder, value, id] = decodeCursor(q.cursor, 4);
    if (cSort !== sort || cOrder !== order)
      throw new StoreQueryError(
        `cursor is of a list sorted by ${cSort} ${cOrder}, not ${sort} ${order}: start again without cursor`,
      );
    let v: string;
    if (key.integer) v = p.add(cursorBigInt(value));
    else {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n))
        throw new StoreQueryError('cursor is not one this server issued: pass back nextCursor unchanged');
      v = `${p.add(n)}::DOUBLE`;
    }
    const cmp = order === 'desc' ? '<' : '>';
    outer.push(`(${key.sql} ${cmp} ${v} OR (${key.sql} = ${v} AND id ${cmp} ${p.add(id)}))`);
  }
  const limit = groupPageLimit(q.limit);
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const sql = `WITH ${cte},
    grouped AS (
      SELECT ${idCol} AS id, count(*)::BIGINT AS traces, sum(llm)::BIGINT AS turns,
        min(s) AS first_ns, max(e) AS last_ns,
        sum(tin) AS input_tokens, sum(tout) AS output_tokens, coalesce(sum(cost), 0) AS cost_usd,
        sum(errors)::BIGINT AS errors, count(*) FILTER (WHERE errors > 0)::BIGINT AS error_traces
        ${by === 'user' ? ', count(DISTINCT session_id)::BIGINT AS sessions' : ''}
      FROM traces WHERE ${where.join(' AND ')}
      GROUP BY ${idCol}
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''})
    SELECT * FROM grouped ${outer.length > 0 ? `WHERE ${outer.join(' AND ')}` : ''}
    ORDER BY ${key.sql} ${dir}, id ${dir} LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p.values, limit };
}

/**
 * Agents, models and the related ids (users of a session, nothing for a user) of the page's groups,
 * from the same traces the list counted.
 */
export function buildGroupSets(q: GroupListQuery, by: GroupBy, ids: string[]): BuiltGroupQuery {
  const p = new SqlParams();
  const pr = p.add(q.project);
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const list = p.add(listValue(ids));
  const cte = tracesCte(
    { ...q, service: undefined, agent: undefined, model: undefined },
    p,
    pr,
    `, string_agg(agent_set, '') AS agents, string_agg(model_set, '') AS models`,
  );
  const restricted = restrictTo(cte, pr, idCol, `IN (SELECT unnest(${list}::VARCHAR[]))`);
  const where = [`${idCol} IN (SELECT unnest(${list}::VARCHAR[]))`];
  if (by === 'session' && q.userId !== undefined) where.push(`user_id = ${p.add(q.userId)}`);
  const sql = `WITH ${restricted}
    SELECT ${idCol} AS id, string_agg(agents, '') AS agents, string_agg(models, '') AS models,
      (list(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL))[1:${MAX_RELATED}] AS users
    FROM traces WHERE ${where.join(' AND ')} GROUP BY ${idCol}`;
  return { sql, params: p.values, limit: ids.length };
}

/** At most this many agents or models per group, and users per session. */
const MAX_NAMES = 50;
const MAX_RELATED = 20;

export function namesOfSets(sets: unknown): string[] {
  if (typeof sets !== 'string' || sets === '') return [];
  return [...new Set(sets.split(SET_SEPARATOR).filter((a) => a !== ''))]
    .sort()
    .slice(0, MAX_NAMES)
    .map((a) => cutString(a));
}

type Row = Record<string, unknown>;

function aggregatesOf(r: Row, sets: Row | undefined) {
  const first = r.first_ns as bigint;
  const last = r.last_ns as bigint;
  const tin = Number(r.input_tokens);
  const tout = Number(r.output_tokens);
  return {
    traces: Number(r.traces),
    turns: Number(r.turns),
    firstSeenUnixNano: String(first),
    lastSeenUnixNano: String(last),
    durationMs: Number(last - first) / 1e6,
    inputTokens: tin,
    outputTokens: tout,
    totalTokens: tin + tout,
    costUsd: Number(r.cost_usd),
    errors: Number(r.errors),
    errorTraces: Number(r.error_traces),
    agents: namesOfSets(sets?.agents),
    models: namesOfSets(sets?.models),
  };
}

export function sessionFromRow(r: Row, sets: Row | undefined): SessionSummaryJson {
  // a DuckDB LIST arrives as a DuckDBListValue (its `items`)
  const list = sets?.users as { items?: unknown[] } | null | undefined;
  const users = (list?.items ?? []) as string[];
  return {
    sessionId: cutString(r.id as string),
    ...aggregatesOf(r, sets),
    users: users.map((u) => cutString(u)),
  };
}

export function userFromRow(r: Row, sets: Row | undefined): UserSummaryJson {
  return { userId: cutString(r.id as string), sessions: Number(r.sessions), ...aggregatesOf(r, sets) };
}

/** The cursor after `row`: sort, order, its sort value and its id (exactly as the database has them). */
export function groupCursor(q: GroupListQuery, row: Row): string {
  const sort = q.sort ?? 'lastSeen';
  const value =
    sort === 'duration'
      ? String((row.last_ns as bigint) - (row.first_ns as bigint))
      : sort === 'tokens'
        ? String(Number(row.input_tokens) + Number(row.output_tokens))
        : String(row[SORT_COLUMN[sort]]);
  return encodeCursor([sort, q.order ?? 'desc', value, row.id as string]);
}

const SORT_COLUMN: Record<GroupSort, string> = {
  lastSeen: 'last_ns',
  firstSeen: 'first_ns',
  traces: 'traces',
  turns: 'turns',
  duration: '',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  tokens: '',
  cost: 'cost_usd',
  errors: 'errors',
  sessions: 'sessions',
};
