/**
 * Feature usage and cost attribution (`GET /api/usage`) from `spans`: the spans of [from, to) that
 * carry the dimension, in one scan, grouped per (value, bucket, user); totals per value from those
 * groups, and buckets for the top values only, so a dimension with 100k values (sessions) never
 * returns 100k × buckets rows.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { UsageDimension, UsageRowJson } from '@witness/protocol';
import { cutString } from '../answer-bounds.js';
import type { UsageQuery } from '../types.js';
import { SqlParams } from './sql-params.js';

const COLUMN: Record<UsageDimension, string> = {
  tool: 'tool_name',
  agent: 'agent_name',
  model: 'model',
  user: 'user_id',
  session: 'session_id',
  service: 'service_name',
  project: 'project',
};

/**
 * Which spans of a value are calls: the tool's spans, the agent's agent-kind spans (invocations), the
 * model's spans; for users, sessions, services and projects a call is a trace run (its root span),
 * which keeps calls additive over buckets.
 */
const CALL: Record<UsageDimension, string> = {
  tool: 'true',
  agent: `kind = 'agent'`,
  model: 'true',
  user: 'parent_span_id IS NULL',
  session: 'parent_span_id IS NULL',
  service: 'parent_span_id IS NULL',
  project: 'parent_span_id IS NULL',
};

const SORT: Record<NonNullable<UsageQuery['sort']>, string> = {
  cost: 'cost_usd',
  calls: 'calls',
  users: 'users',
  errors: 'errors',
  tokens: '(input_tokens + output_tokens)',
};

/**
 * Measures in two steps, both exact: first per (value[, bucket], user) — an ordinary hash aggregate
 * whose groups are few (values × users) — then per value[, bucket], where the distinct users are just
 * the non-null user groups. `count(DISTINCT user_id)` straight over the spans kept a distinct set per
 * group and ran past the 10 s deadline over a week at 2M spans (docs/analytics.md).
 */
const PER_USER = `count(*) FILTER (WHERE call) AS calls,
      count(*) FILTER (WHERE err) AS errors,
      sum(input_tokens) AS input_tokens,
      sum(output_tokens) AS output_tokens,
      sum(cost_usd) AS cost_usd`;

const MEASURES = `sum(calls)::BIGINT AS calls,
      count(user_id)::BIGINT AS users,
      sum(errors)::BIGINT AS errors,
      coalesce(sum(input_tokens), 0) AS input_tokens,
      coalesce(sum(output_tokens), 0) AS output_tokens,
      coalesce(sum(cost_usd), 0) AS cost_usd`;

export function usageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 20;
  return Math.min(100, Math.max(1, Math.trunc(limit)));
}

/**
 * A nanosecond parameter typed BIGINT: a JS bigint binds as HUGEINT, and `(start_ns - $from) // $step`
 * in HUGEINT arithmetic over every span made the bucket read ~4× slower (3.7 s vs 0.9 s at 2M spans).
 */
const ns = (p: SqlParams, v: bigint): string => `${p.add(v)}::BIGINT`;

function selection(q: UsageQuery, p: SqlParams): string {
  const col = COLUMN[q.by];
  const where = [
    `project = ${p.add(q.project)}`,
    `start_ns >= ${ns(p, q.fromUnixNano)}`,
    `start_ns < ${ns(p, q.toUnixNano)}`,
    `${col} IS NOT NULL`,
  ];
  const f = q.filter ?? {};
  if (f.service !== undefined) where.push(`service_name = ${p.add(f.service)}`);
  if (f.agent !== undefined) where.push(`agent_name = ${p.add(f.agent)}`);
  if (f.model !== undefined) where.push(`model = ${p.add(f.model)}`);
  if (f.tool !== undefined) where.push(`tool_name = ${p.add(f.tool)}`);
  if (f.userId !== undefined) where.push(`user_id = ${p.add(f.userId)}`);
  const step = ns(p, BigInt(q.stepSeconds) * 1_000_000_000n);
  return `sel AS (
    SELECT ${col} AS v, (start_ns - ${ns(p, q.fromUnixNano)}) // ${step} AS b, user_id,
      status_code = 'error' AS err, ${CALL[q.by]} AS call, input_tokens, output_tokens, cost_usd
    FROM spans WHERE ${where.join(' AND ')})`;
}

/**
 * Totals per value and the buckets of the top `limit` values in one statement, so the spans of the
 * range are scanned once (two statements scanned them twice): spans → per (value, bucket, user) →
 * per (value, user) → per value (top limit + 1 kept: the extra one says `truncated`); the buckets are
 * the first grouping's rows of the top values. Rows: kind 't' (totals, `ord` = rank) then kind 'b'.
 */
export function buildUsage(q: UsageQuery): { sql: string; params: DuckDBValue[]; limit: number } {
  const p = new SqlParams();
  const limit = usageLimit(q.limit);
  const sql = `WITH ${selection(q, p)},
    pub AS (SELECT v, b, user_id, ${PER_USER} FROM sel GROUP BY v, b, user_id),
    pu AS (SELECT v, user_id, sum(calls) AS calls, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
      FROM pub GROUP BY v, user_id),
    totals AS (SELECT v, ${MEASURES} FROM pu GROUP BY v
      ORDER BY ${SORT[q.sort ?? 'cost']} DESC, v ASC LIMIT ${p.add(limit + 1)}),
    ranked AS (SELECT *, row_number() OVER (ORDER BY ${SORT[q.sort ?? 'cost']} DESC, v ASC) AS ord FROM totals),
    top AS (SELECT v FROM ranked WHERE ord <= ${p.add(limit)})
    SELECT 't' AS kind, ord, v, NULL::BIGINT AS b, calls, users, errors, input_tokens, output_tokens, cost_usd
      FROM ranked
    UNION ALL
    SELECT 'b' AS kind, NULL AS ord, v, b, ${MEASURES} FROM pub SEMI JOIN top USING (v) GROUP BY v, b
    ORDER BY kind DESC, ord, v, b`;
  return { sql, params: p.values, limit };
}

type Row = Record<string, unknown>;

const measuresOf = (r: Row) => ({
  calls: Number(r.calls),
  users: Number(r.users),
  errors: Number(r.errors),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  costUsd: Number(r.cost_usd),
});

export function usageRows(q: UsageQuery, totals: Row[], buckets: Row[]): UsageRowJson[] {
  const fromMs = Number(q.fromUnixNano / 1_000_000n);
  const rows = new Map<string, UsageRowJson>();
  for (const r of totals)
    rows.set(r.v as string, { value: cutString(r.v as string), ...measuresOf(r), points: [] });
  for (const b of buckets) {
    rows
      .get(b.v as string)
      ?.points.push({ t: fromMs + Number(b.b) * q.stepSeconds * 1000, ...measuresOf(b) });
  }
  return [...rows.values()];
}
