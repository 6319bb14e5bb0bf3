/**
 * Sessions, users, a session's turns, usage and funnels in ClickHouse SQL. Same answers as the DuckDB
 * engine (the conformance suite compares both with the brute-force reference), computed from
 * `spans FINAL` directly: ClickHouse groups spans by trace fast enough, and the spans table carries
 * every field a session sums, so trace_parts needs no extra columns. Funnels use arrays per
 * session (user) and arrayFirst instead of non-equi joins.
 */
import type { FunnelResultJson, GroupSort, SessionSummaryJson, UserSummaryJson } from '@witness/protocol';
import { cursorBigInt, decodeCursor } from '../cursor.js';
import { funnelFromRows } from '../duckdb/funnel.js';
import { type GroupBy, groupPageLimit } from '../duckdb/group-list.js';
import { SET_SEPARATOR } from '../duckdb/schema.js';
import { PREVIEW_CHARS, sessionPageLimit } from '../duckdb/session-turns.js';
import { usageLimit } from '../duckdb/usage.js';
import { StoreQueryError } from '../query-error.js';
import type { FunnelQuery, GroupListQuery, SessionQuery, UsageQuery } from '../types.js';
import { ChParams, type Tables } from './queries.js';

type Row = Record<string, unknown>;

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

const joined = (col: string) =>
  `arrayStringConcat(arraySort(groupUniqArrayArray(${col})), '${SET_SEPARATOR}')`;

/** One row per trace of the project whose first span started in [from, to] (and, if given, of these traces). */
function tracesCte(t: Tables, q: GroupListQuery, p: ChParams, restrict = ''): string {
  const having: string[] = [];
  if (q.fromUnixNano !== undefined) having.push(`s >= ${p.i64(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) having.push(`s <= ${p.i64(q.toUnixNano)}`);
  const flags: string[] = [];
  if (q.service !== undefined) flags.push(`max(service_name = ${p.str(q.service)}) AS f_service`);
  if (q.agent !== undefined) flags.push(`max(ifNull(agent_name = ${p.str(q.agent)}, 0)) AS f_agent`);
  if (q.model !== undefined) flags.push(`max(ifNull(model = ${p.str(q.model)}, 0)) AS f_model`);
  return `traces AS (
    SELECT trace_id, max(session_id) AS session_id, max(user_id) AS user_id,
      min(start_ns) AS s, max(greatest(end_ns, start_ns)) AS e, countIf(status_code = 'error') AS n_err,
      sum(ifNull(input_tokens, 0)) AS tin, sum(ifNull(output_tokens, 0)) AS tout, sum(cost_usd) AS cost,
      countIf(kind = 'llm') AS llm, count() AS span_count,
      groupUniqArrayIf(assumeNotNull(agent_name), agent_name IS NOT NULL) AS agents,
      groupUniqArrayIf(assumeNotNull(model), model IS NOT NULL) AS models,
      if(countIf(parent_span_id IS NULL) > 0, maxIf(name, parent_span_id IS NULL), argMin(name, start_ns)) AS root_name,
      if(countIf(parent_span_id IS NULL) > 0, maxIf(service_name, parent_span_id IS NULL), argMin(service_name, start_ns)) AS service
      ${flags.map((f) => `, ${f}`).join('')}
    FROM ${t.spans} FINAL WHERE project = ${p.str(q.project)} ${restrict}
    GROUP BY trace_id ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''})`;
}

export function buildChGroupList(t: Tables, q: GroupListQuery, by: GroupBy, onlyId?: string) {
  const sort = q.sort ?? 'lastSeen';
  const order = q.order ?? 'desc';
  if (sort === 'sessions' && by === 'session')
    throw new StoreQueryError('sort "sessions" is for users; sort sessions by one of their own columns');
  const key = SORT_SQL[sort];
  if (key === undefined) throw new StoreQueryError(`sort "${sort}" is not a column of the list`);
  const p = new ChParams();
  const idCol = by === 'session' ? 'session_id' : 'user_id';
  const where = [`${idCol} IS NOT NULL`];
  if (q.userId !== undefined) where.push(`user_id = ${p.str(q.userId)}`);
  const restrict =
    onlyId === undefined
      ? ''
      : `AND trace_id IN (SELECT trace_id FROM ${t.spans} WHERE project = ${p.str(q.project)} AND ${idCol} = ${p.str(onlyId)})`;
  if (onlyId !== undefined) where.push(`${idCol} = ${p.str(onlyId)}`);
  const cte = tracesCte(t, q, p, restrict);
  const having: string[] = [];
  if (q.service !== undefined) having.push('max(f_service) = 1');
  if (q.agent !== undefined) having.push('max(f_agent) = 1');
  if (q.model !== undefined) having.push('max(f_model) = 1');
  if (q.minCostUsd !== undefined) having.push(`ifNull(sum(cost), 0) >= ${p.add(q.minCostUsd, 'Float64')}`);
  if (q.status === 'error') having.push('sum(n_err) > 0');
  const outer: string[] = [];
  if (q.cursor !== undefined) {
    const [cSort, cOrder, value, id] = decodeCursor(q.cursor, 4);
    if (cSort !== sort || cOrder !== order)
      throw new StoreQueryError(
        `cursor is of a list sorted by ${cSort} ${cOrder}, not ${sort} ${order}: start again without cursor`,
      );
    let v: string;
    if (key.integer) v = p.i64(cursorBigInt(value));
    else {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n))
        throw new StoreQueryError('cursor is not one this server issued: pass back nextCursor unchanged');
      v = p.add(n, 'Float64');
    }
    const cmp = order === 'desc' ? '<' : '>';
    outer.push(`(${key.sql} ${cmp} ${v} OR (${key.sql} = ${v} AND id ${cmp} ${p.str(id)}))`);
  }
  const limit = groupPageLimit(q.limit);
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const sql = `WITH ${cte}
    SELECT * FROM (
      SELECT assumeNotNull(${idCol}) AS id, toInt64(count()) AS traces, toInt64(sum(llm)) AS turns,
        min(s) AS first_ns, max(e) AS last_ns,
        sum(tin) AS input_tokens, sum(tout) AS output_tokens, ifNull(sum(cost), 0) AS cost_usd,
        toInt64(sum(n_err)) AS errors, toInt64(countIf(n_err > 0)) AS error_traces,
        toInt64(uniqExact(session_id)) AS sessions,
        ${joined('agents')} AS agent_names, ${joined('models')} AS model_names,
        arraySlice(arraySort(groupUniqArrayIf(assumeNotNull(user_id), user_id IS NOT NULL)), 1, 20) AS users
      FROM traces WHERE ${where.join(' AND ')}
      GROUP BY ${idCol}
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''})
    ${outer.length > 0 ? `WHERE ${outer.join(' AND ')}` : ''}
    ORDER BY ${key.sql} ${dir}, id ${dir} LIMIT ${limit + 1}`;
  return { sql, params: p.values, limit };
}

/** The rows as the DuckDB engine's row mappers take them (bigint times, set strings). */
export function duckShapedGroupRow(r: Row): { row: Row; sets: Row } {
  return {
    row: {
      ...r,
      first_ns: BigInt(r.first_ns as string),
      last_ns: BigInt(r.last_ns as string),
      cost_usd: Number(r.cost_usd),
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
    },
    sets: {
      agents: r.agent_names === '' ? '' : `${SET_SEPARATOR}${r.agent_names}${SET_SEPARATOR}`,
      models: r.model_names === '' ? '' : `${SET_SEPARATOR}${r.model_names}${SET_SEPARATOR}`,
      users: { items: r.users },
    },
  };
}

export type GroupJson = SessionSummaryJson | UserSummaryJson;

export function buildChSessionTurns(t: Tables, q: SessionQuery) {
  const p = new ChParams();
  const restrict = `AND trace_id IN (SELECT trace_id FROM ${t.spans} WHERE project = ${p.str(q.project)} AND session_id = ${p.str(q.sessionId)})`;
  const cte = tracesCte(t, { project: q.project }, p, restrict);
  const where = [`session_id = ${p.str(q.sessionId)}`];
  if (q.cursor !== undefined) {
    const [start, traceId] = decodeCursor(q.cursor, 2);
    const s = p.i64(cursorBigInt(start));
    where.push(`(s > ${s} OR (s = ${s} AND trace_id > ${p.str(traceId)}))`);
  }
  const limit = sessionPageLimit(q.limit);
  const sql = `WITH ${cte}
    SELECT trace_id, s, e, n_err AS errors, tin, tout, cost, span_count, user_id, root_name, service AS service_name,
      arrayStringConcat(arraySort(agents), '${SET_SEPARATOR}') AS agent_names,
      arrayStringConcat(arraySort(models), '${SET_SEPARATOR}') AS model_names
    FROM traces WHERE ${where.join(' AND ')} ORDER BY s, trace_id LIMIT ${limit + 1}`;
  return { sql, params: p.values, limit };
}

const set = (names: unknown) => (names === '' ? '' : `${SET_SEPARATOR}${names}${SET_SEPARATOR}`);

export function duckShapedTurnRow(r: Row): Row {
  return {
    ...r,
    s: BigInt(r.s as string),
    e: BigInt(r.e as string),
    agents: set(r.agent_names),
    models: set(r.model_names),
  };
}

export function buildChTurnSpans(t: Tables, project: string, traceIds: string[], lo: bigint, hi: bigint) {
  const p = new ChParams();
  const sql = `SELECT trace_id, parent_span_id IS NULL AS root, kind, status_code, status_message,
      substringUTF8(ifNull(input, ''), 1, ${PREVIEW_CHARS + 1}) AS input, substringUTF8(ifNull(output, ''), 1, ${PREVIEW_CHARS + 1}) AS output
    FROM ${t.spans} FINAL WHERE project = ${p.str(project)} AND start_ns >= ${p.i64(lo)} AND start_ns <= ${p.i64(hi)}
      AND trace_id IN ${p.add(traceIds, 'Array(String)')}
      AND (parent_span_id IS NULL OR kind = 'llm' OR status_code = 'error')
    ORDER BY start_ns, span_id`;
  return { sql, params: p.values };
}

const COLUMN: Record<UsageQuery['by'], string> = {
  tool: 'tool_name',
  agent: 'agent_name',
  model: 'model',
  user: 'user_id',
  session: 'session_id',
  service: 'service_name',
  project: 'project',
};
const CALL: Record<UsageQuery['by'], string> = {
  tool: '1',
  agent: `kind = 'agent'`,
  model: '1',
  user: 'parent_span_id IS NULL',
  session: 'parent_span_id IS NULL',
  service: 'parent_span_id IS NULL',
  project: 'parent_span_id IS NULL',
};
const USAGE_SORT: Record<NonNullable<UsageQuery['sort']>, string> = {
  cost: 'cost_usd',
  calls: 'calls',
  users: 'users',
  errors: 'errors',
  tokens: '(input_tokens + output_tokens)',
};
const MEASURES = `toInt64(countIf(call)) AS calls, toInt64(uniqExact(user_id)) AS users,
  toInt64(countIf(err)) AS errors, sum(ifNull(input_tokens, 0)) AS input_tokens,
  sum(ifNull(output_tokens, 0)) AS output_tokens, ifNull(sum(cost_usd), 0) AS cost_usd`;

function usageSelection(t: Tables, q: UsageQuery, p: ChParams): string {
  const col = COLUMN[q.by];
  const where = [
    `project = ${p.str(q.project)}`,
    `start_ns >= ${p.i64(q.fromUnixNano)}`,
    `start_ns < ${p.i64(q.toUnixNano)}`,
    `${col} IS NOT NULL`,
  ];
  const f = q.filter ?? {};
  if (f.service !== undefined) where.push(`service_name = ${p.str(f.service)}`);
  if (f.agent !== undefined) where.push(`agent_name = ${p.str(f.agent)}`);
  if (f.model !== undefined) where.push(`model = ${p.str(f.model)}`);
  if (f.tool !== undefined) where.push(`tool_name = ${p.str(f.tool)}`);
  if (f.userId !== undefined) where.push(`user_id = ${p.str(f.userId)}`);
  return `(SELECT toString(assumeNotNull(${col})) AS v,
      intDiv(start_ns - ${p.i64(q.fromUnixNano)}, ${p.i64(BigInt(q.stepSeconds) * 1_000_000_000n)}) AS b, user_id,
      status_code = 'error' AS err, ${CALL[q.by]} AS call, input_tokens, output_tokens, cost_usd
    FROM ${t.spans} FINAL WHERE ${where.join(' AND ')})`;
}

export function buildChUsageTotals(t: Tables, q: UsageQuery) {
  const p = new ChParams();
  const limit = usageLimit(q.limit);
  const sql = `SELECT v, ${MEASURES} FROM ${usageSelection(t, q, p)} GROUP BY v
    ORDER BY ${USAGE_SORT[q.sort ?? 'cost']} DESC, v ASC LIMIT ${limit + 1}`;
  return { sql, params: p.values, limit };
}

export function buildChUsageBuckets(t: Tables, q: UsageQuery, values: string[]) {
  const p = new ChParams();
  const sel = usageSelection(t, q, p);
  const sql = `SELECT v, b, ${MEASURES} FROM ${sel} WHERE v IN ${p.add(values, 'Array(String)')}
    GROUP BY v, b ORDER BY v, b`;
  return { sql, params: p.values };
}

function stepPredicate(step: FunnelQuery['steps'][number], p: ChParams): string {
  const c: string[] = [];
  if (step.name !== undefined) c.push(`name = ${p.str(step.name)}`);
  if (step.service !== undefined) c.push(`service_name = ${p.str(step.service)}`);
  if (step.kind !== undefined) c.push(`kind = ${p.str(step.kind)}`);
  if (step.agent !== undefined) c.push(`ifNull(agent_name = ${p.str(step.agent)}, 0)`);
  if (step.model !== undefined) c.push(`ifNull(model = ${p.str(step.model)}, 0)`);
  if (step.tool !== undefined) c.push(`ifNull(tool_name = ${p.str(step.tool)}, 0)`);
  if (step.status === 'error') c.push(`status_code = 'error'`);
  if (step.status === 'ok') c.push(`status_code != 'error'`);
  for (const [key, value] of Object.entries(step.attributes ?? {})) {
    const k = p.str(key);
    const quoted = p.str(JSON.stringify(key));
    const v = p.str(value);
    const one = (col: string) =>
      `(position(${col}, ${quoted}) > 0 AND if(JSONType(${col}, ${k}) = 'String', JSONExtractString(${col}, ${k}), JSONExtractRaw(${col}, ${k})) = ${v})`;
    c.push(`(${one('attributes')} OR ${one('resource')})`);
  }
  return c.length > 0 ? c.join(' AND ') : '1';
}

/**
 * Per entity: the sorted start times matching each step, then t1 = the first step-1 time and
 * t_k = the first step-k time ≥ t_{k−1} and ≤ t1 + within (0: not reached), then counts and
 * quantiles over the entities (quantileExactInclusive interpolates like DuckDB's quantile_cont).
 */
export function buildChFunnel(t: Tables, q: FunnelQuery) {
  const p = new ChParams();
  const ent = q.by === 'session' ? 'session_id' : 'user_id';
  const within = p.i64(BigInt(q.withinSeconds) * 1_000_000_000n);
  const arrays = q.steps
    .map((s, i) => `arraySort(groupArrayIf(start_ns, ${stepPredicate(s, p)})) AS a${i + 1}`)
    .join(',\n      ');
  const times = ['arrayMin(a1) AS t1'];
  for (let k = 2; k <= q.steps.length; k++)
    times.push(
      `if(t${k - 1} = 0, 0, arrayFirst(x -> x >= t${k - 1} AND x <= t1 + ${within}, a${k})) AS t${k}`,
    );
  const measures = ['toInt64(count()) AS n1'];
  for (let k = 2; k <= q.steps.length; k++)
    measures.push(
      `toInt64(countIf(t${k} != 0)) AS n${k}`,
      `quantilesExactInclusiveIf(0.5, 0.95)((t${k} - t${k - 1}) / 1e6, t${k} != 0) AS prev${k}`,
      `quantilesExactInclusiveIf(0.5, 0.95)((t${k} - t1) / 1e6, t${k} != 0) AS first${k}`,
    );
  const sql = `SELECT ${measures.join(', ')} FROM (
    SELECT ${times.join(', ')} FROM (
      SELECT ${ent} AS e, ${arrays}
      FROM ${t.spans} FINAL
      WHERE project = ${p.str(q.project)} AND start_ns >= ${p.i64(q.fromUnixNano)} AND start_ns <= ${p.i64(q.toUnixNano)}
        AND ${ent} IS NOT NULL
      GROUP BY e)
    WHERE length(a1) > 0)`;
  return { sql, params: p.values };
}

export function chFunnelResult(q: FunnelQuery, row: Row | undefined): FunnelResultJson {
  const rows = q.steps.map((_, i) => {
    const k = i + 1;
    return {
      step: k,
      n: row?.[`n${k}`] ?? 0,
      prev: k === 1 ? null : { items: row?.[`prev${k}`] },
      first: k === 1 ? null : { items: row?.[`first${k}`] },
    };
  });
  return funnelFromRows(q, rows);
}
