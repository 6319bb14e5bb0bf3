/**
 * Sessions and users (`GET /api/sessions`, `/api/users`) from the rollups (rollups.ts). Without a time
 * range (or with one that holds every trace), one row per group in `session_rollup` / `user_rollup`:
 * a filter and a top-N. With a range (or sessions of one user), the range's rows of `trace_rollup`
 * (one per trace) grouped into sessions (users), the page's agents, models and users read afterwards
 * for the page's groups only, so the big query carries no strings besides the id.
 *
 * The time range is on trace start: a trace counts when its first span started in [from, to], which
 * is its trace_rollup row's `s` — no trace is summed from half its parts.
 */
import type { GroupSort, SessionSummaryJson, UserSummaryJson } from '@witness/protocol';
import { type DuckDBValue, listValue } from '@duckdb/node-api';
import { cutString } from '../answer-bounds.js';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import { StoreQueryError } from '../query-error.js';
import type { GroupListQuery } from '../types.js';
import { DAY_NS, MAX_SESSION_USERS } from './rollups.js';
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

/** A nanosecond parameter typed BIGINT (a JS bigint binds as HUGEINT: every comparison would widen). */
const ns = (p: SqlParams, v: bigint): string => `${p.add(v)}::BIGINT`;

/**
 * The traces CTE: one row per trace of the project counted by the query's time range, from
 * `trace_rollup` (a trace's start is its row's `s`, so the range is a plain filter). `restrict`: a
 * further condition on the rows (a session's or the page's ids).
 */
export function tracesCte(q: GroupListQuery, p: SqlParams, pr: string, extra = '', restrict = ''): string {
  const where = [`project = ${pr}`];
  if (q.fromUnixNano !== undefined) where.push(`s >= ${ns(p, q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) where.push(`s <= ${ns(p, q.toUnixNano)}`);
  if (restrict !== '') where.push(restrict);
  const flags: string[] = [];
  if (q.service !== undefined)
    flags.push(`contains(service_set, ${p.add(setMember(q.service))}) AS f_service`);
  if (q.agent !== undefined) flags.push(`contains(agent_set, ${p.add(setMember(q.agent))}) AS f_agent`);
  if (q.model !== undefined) flags.push(`contains(model_set, ${p.add(setMember(q.model))}) AS f_model`);
  return `traces AS (
    SELECT trace_id, session_id, user_id, s, e, errors, tin, tout, cost, llm
      ${flags.map((f) => `, ${f}`).join('')}${extra}
    FROM trace_rollup WHERE ${where.join(' AND ')})`;
}

export interface BuiltGroupQuery {
  sql: string;
  params: DuckDBValue[];
  limit: number;
  /** The rows carry the page's agents, models (and a session's users) already: no second query. */
  withSets?: boolean;
}

/**
 * Whether the list reads the group rollups (`session_rollup`, `user_rollup`): they hold every trace of
 * a group, so only a query without a time range does (the store drops a range that holds every
 * trace of the project first: `rollupBounds`), and not sessions of one user (a session's sums over
 * that user's traces only). Everything else reads `trace_rollup` and groups the range's traces.
 */
export function readsGroupRollup(q: GroupListQuery, by: GroupBy): boolean {
  return (
    q.fromUnixNano === undefined &&
    q.toUnixNano === undefined &&
    !(by === 'session' && q.userId !== undefined)
  );
}

/** The first and last trace start of the project's sessions (users): a range holding both holds all. */
export function rollupBounds(project: string, by: GroupBy): { sql: string; params: DuckDBValue[] } {
  return {
    sql: `SELECT min(first_ns) AS lo, max(last_start) AS hi FROM ${by === 'session' ? 'session' : 'user'}_rollup WHERE project = $1`,
    params: [project],
  };
}

/** The query without its range when the range holds every trace of the groups (bounds from rollupBounds). */
export function withoutCoveringRange(q: GroupListQuery, lo: unknown, hi: unknown): GroupListQuery {
  if (typeof lo !== 'bigint' || typeof hi !== 'bigint') return q;
  const fromCovers = q.fromUnixNano === undefined || q.fromUnixNano <= lo;
  const toCovers = q.toUnixNano === undefined || q.toUnixNano >= hi;
  return fromCovers && toCovers ? { ...q, fromUnixNano: undefined, toUnixNano: undefined } : q;
}

/** The cursor condition and the sort, over a row with the group columns and `id`. */
function pageOf(q: GroupListQuery, p: SqlParams): { outer: string[]; order: string; limit: number } {
  const sort = q.sort ?? 'lastSeen';
  const order = q.order ?? 'desc';
  const key = SORT_SQL[sort];
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
  return { outer, order: `ORDER BY ${key.sql} ${dir}, id ${dir} LIMIT ${p.add(limit + 1)}`, limit };
}

/** The page from the group rollup: a filter and a top-N over one row per group. */
function buildFromRollup(q: GroupListQuery, by: GroupBy, onlyId?: string): BuiltGroupQuery {
  const p = new SqlParams();
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const where = [`project = ${p.add(q.project)}`];
  // for users, this one user (its page's header); sessions of one user never come here
  if (q.userId !== undefined) where.push(`user_id = ${p.add(q.userId)}`);
  if (onlyId !== undefined) where.push(`${idCol} = ${p.add(onlyId)}`);
  if (q.service !== undefined) where.push(`contains(service_set, ${p.add(setMember(q.service))})`);
  if (q.agent !== undefined) where.push(`contains(agent_set, ${p.add(setMember(q.agent))})`);
  if (q.model !== undefined) where.push(`contains(model_set, ${p.add(setMember(q.model))})`);
  if (q.minCostUsd !== undefined) where.push(`cost_usd >= ${p.add(q.minCostUsd)}`);
  if (q.status === 'error') where.push('errors > 0');
  const page = pageOf(q, p);
  const sql = `SELECT * FROM (
      SELECT ${idCol} AS id, traces, turns, first_ns, last_ns, input_tokens, output_tokens, cost_usd,
        errors, error_traces, ${by === 'session' ? 'users' : 'sessions'}, agent_set AS agents, model_set AS models
      FROM ${by}_rollup WHERE ${where.join(' AND ')})
    ${page.outer.length > 0 ? `WHERE ${page.outer.join(' AND ')}` : ''}
    ${page.order}`;
  return { sql, params: p.values, limit: page.limit, withSets: true };
}

/**
 * The whole UTC days inside the query's range ([from, to], either end open), or null when there is none
 * (or a bound is negative): those days are read from the per-day group rows, the rest of the range
 * (its partial edge days) from trace rows. Sessions of one user never use them (a day row sums every
 * user's traces).
 */
export function rangeDays(q: GroupListQuery, by: GroupBy): { first?: bigint; last?: bigint } | null {
  if (by === 'session' && q.userId !== undefined) return null;
  const from = q.fromUnixNano;
  const to = q.toUnixNano;
  if ((from !== undefined && from < 0n) || (to !== undefined && to < 0n)) return null;
  const first = from === undefined ? undefined : (from + DAY_NS - 1n) / DAY_NS;
  const last = to === undefined ? undefined : (to + 1n) / DAY_NS - 1n;
  if (first !== undefined && last !== undefined && first > last) return null;
  return { first, last };
}

/** The rows of a range as group-shaped rows: its whole days' rows, then its edge traces one row each. */
function dayRowsCte(
  q: GroupListQuery,
  by: GroupBy,
  days: { first?: bigint; last?: bigint },
  p: SqlParams,
  restrict = '',
): string {
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const relCol = by === 'session' ? 'user_id' : 'session_id';
  const pr = p.add(q.project);
  const dayWhere = [`project = ${pr}`];
  if (days.first !== undefined) dayWhere.push(`day >= ${ns(p, days.first)}`);
  if (days.last !== undefined) dayWhere.push(`day <= ${ns(p, days.last)}`);
  const edgeWhere = [`project = ${pr}`, `${idCol} IS NOT NULL`];
  if (q.fromUnixNano !== undefined) edgeWhere.push(`s >= ${ns(p, q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) edgeWhere.push(`s <= ${ns(p, q.toUnixNano)}`);
  const outside: string[] = [];
  if (days.first !== undefined) outside.push(`s < ${ns(p, days.first * DAY_NS)}`);
  if (days.last !== undefined) outside.push(`s >= ${ns(p, (days.last + 1n) * DAY_NS)}`);
  edgeWhere.push(outside.length > 0 ? `(${outside.join(' OR ')})` : 'false');
  // for users, this one user (its page's header)
  if (q.userId !== undefined) {
    const u = p.add(q.userId);
    dayWhere.push(`user_id = ${u}`);
    edgeWhere.push(`user_id = ${u}`);
  }
  if (restrict !== '') {
    dayWhere.push(`${idCol} ${restrict}`);
    edgeWhere.push(`${idCol} ${restrict}`);
  }
  const cols =
    'traces, turns, first_ns, last_ns, input_tokens, output_tokens, cost_usd, errors, error_traces, service_set, agent_set, model_set';
  return `src AS (
    SELECT ${idCol} AS id, ${cols}, ${by === 'session' ? 'users' : 'session_ids'} AS rel
    FROM ${by}_day_rollup WHERE ${dayWhere.join(' AND ')}
    UNION ALL
    SELECT ${idCol} AS id, 1::BIGINT, llm, s, e, tin, tout, coalesce(cost, 0), errors, (errors > 0)::BIGINT,
      service_set, agent_set, model_set, CASE WHEN ${relCol} IS NULL THEN []::VARCHAR[] ELSE [${relCol}] END
    FROM trace_rollup WHERE ${edgeWhere.join(' AND ')})`;
}

/** A range's page from the per-day group rows and the edge traces (see rangeDays). */
function buildFromDays(
  q: GroupListQuery,
  by: GroupBy,
  days: { first?: bigint; last?: bigint },
): BuiltGroupQuery {
  const p = new SqlParams();
  const src = dayRowsCte(q, by, days, p);
  const having: string[] = [];
  if (q.service !== undefined) having.push(`bool_or(contains(service_set, ${p.add(setMember(q.service))}))`);
  if (q.agent !== undefined) having.push(`bool_or(contains(agent_set, ${p.add(setMember(q.agent))}))`);
  if (q.model !== undefined) having.push(`bool_or(contains(model_set, ${p.add(setMember(q.model))}))`);
  if (q.minCostUsd !== undefined) having.push(`sum(cost_usd) >= ${p.add(q.minCostUsd)}`);
  if (q.status === 'error') having.push('sum(errors) > 0');
  const page = pageOf(q, p);
  const sql = `WITH ${src},
    grouped AS (
      SELECT id, sum(traces)::BIGINT AS traces, sum(turns)::BIGINT AS turns, min(first_ns) AS first_ns,
        max(last_ns) AS last_ns, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cost_usd) AS cost_usd, sum(errors)::BIGINT AS errors, sum(error_traces)::BIGINT AS error_traces
      FROM src GROUP BY id
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''})${
        // a user's distinct sessions over the merged days: the (user, session) pairs counted apart (a
        // list union per user, flatten and list_distinct, took about half the query)
        by === 'user'
          ? `,
    sess AS (SELECT id, count(DISTINCT sid)::BIGINT AS sessions FROM (SELECT id, unnest(rel) AS sid FROM src) GROUP BY id),
    counted AS (SELECT grouped.*, coalesce(sess.sessions, 0)::BIGINT AS sessions FROM grouped LEFT JOIN sess USING (id))`
          : ''
      }
    SELECT * FROM ${by === 'user' ? 'counted' : 'grouped'} ${page.outer.length > 0 ? `WHERE ${page.outer.join(' AND ')}` : ''}
    ${page.order}`;
  return { sql, params: p.values, limit: page.limit };
}

/** `onlyId`: the one group of that id (a session's summary on its own page). */
export function buildGroupList(q: GroupListQuery, by: GroupBy, onlyId?: string): BuiltGroupQuery {
  const sort = q.sort ?? 'lastSeen';
  if (sort === 'sessions' && by === 'session')
    throw new StoreQueryError('sort "sessions" is for users; sort sessions by one of their own columns');
  if (SORT_SQL[sort] === undefined) throw new StoreQueryError(`sort "${sort}" is not a column of the list`);
  if (readsGroupRollup(q, by)) return buildFromRollup(q, by, onlyId);
  const days = onlyId === undefined ? rangeDays(q, by) : null;
  if (days !== null) return buildFromDays(q, by, days);
  const p = new SqlParams();
  const pr = p.add(q.project);
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const where = [`${idCol} IS NOT NULL`];
  // sessions of this user; for users, this one user (its page's header)
  if (q.userId !== undefined) where.push(`user_id = ${p.add(q.userId)}`);
  const cte = tracesCte(q, p, pr, '', onlyId === undefined ? '' : `${idCol} = ${p.add(onlyId)}`);
  const having: string[] = [];
  if (q.service !== undefined) having.push('bool_or(f_service)');
  if (q.agent !== undefined) having.push('bool_or(f_agent)');
  if (q.model !== undefined) having.push('bool_or(f_model)');
  if (q.minCostUsd !== undefined) having.push(`coalesce(sum(cost), 0) >= ${p.add(q.minCostUsd)}`);
  if (q.status === 'error') having.push('sum(errors) > 0');
  const page = pageOf(q, p);
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
    SELECT * FROM grouped ${page.outer.length > 0 ? `WHERE ${page.outer.join(' AND ')}` : ''}
    ${page.order}`;
  return { sql, params: p.values, limit: page.limit };
}

/**
 * Agents, models and the related ids (users of a session, nothing for a user) of the page's groups,
 * from the same traces the list counted (the trace_rollup path only: group rollup rows carry them).
 */
export function buildGroupSets(q: GroupListQuery, by: GroupBy, ids: string[]): BuiltGroupQuery {
  const days = rangeDays(q, by);
  if (days !== null) {
    const p = new SqlParams();
    const src = dayRowsCte(q, by, days, p, `IN (SELECT unnest(${p.add(listValue(ids))}::VARCHAR[]))`);
    const sql = `WITH ${src}
      SELECT id, string_agg(agent_set, '') AS agents, string_agg(model_set, '') AS models,
        list_sort(list_distinct(flatten(list(rel))))[1:${MAX_RELATED}] AS users
      FROM src GROUP BY id`;
    return { sql, params: p.values, limit: ids.length };
  }
  const p = new SqlParams();
  const pr = p.add(q.project);
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const list = p.add(listValue(ids));
  const cte = tracesCte(
    { ...q, service: undefined, agent: undefined, model: undefined },
    p,
    pr,
    ', agent_set, model_set',
    `${idCol} IN (SELECT unnest(${list}::VARCHAR[]))`,
  );
  const where = [`${idCol} IN (SELECT unnest(${list}::VARCHAR[]))`];
  if (by === 'session' && q.userId !== undefined) where.push(`user_id = ${p.add(q.userId)}`);
  const sql = `WITH ${cte}
    SELECT ${idCol} AS id, string_agg(agent_set, '') AS agents, string_agg(model_set, '') AS models,
      (list(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL))[1:${MAX_RELATED}] AS users
    FROM traces WHERE ${where.join(' AND ')} GROUP BY ${idCol}`;
  return { sql, params: p.values, limit: ids.length };
}

/** At most this many agents or models per group, and users per session (as the rollup keeps). */
const MAX_NAMES = 50;
const MAX_RELATED = MAX_SESSION_USERS;

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
