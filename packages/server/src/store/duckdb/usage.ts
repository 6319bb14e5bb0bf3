/**
 * Feature usage and cost attribution (`GET /api/usage`) from `spans`: the spans of [from, to) that
 * carry the dimension, totals per value (one scan), then buckets for the top values only (a second
 * scan cut to those values), so a dimension with 100k values (sessions) never returns 100k × buckets
 * rows.
 */
import { type DuckDBValue, listValue } from '@duckdb/node-api';
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

const MEASURES = `count(*) FILTER (WHERE call)::BIGINT AS calls,
      count(DISTINCT user_id)::BIGINT AS users,
      count(*) FILTER (WHERE err)::BIGINT AS errors,
      coalesce(sum(input_tokens), 0) AS input_tokens,
      coalesce(sum(output_tokens), 0) AS output_tokens,
      coalesce(sum(cost_usd), 0) AS cost_usd`;

export function usageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 20;
  return Math.min(100, Math.max(1, Math.trunc(limit)));
}

function selection(q: UsageQuery, p: SqlParams): string {
  const col = COLUMN[q.by];
  const where = [
    `project = ${p.add(q.project)}`,
    `start_ns >= ${p.add(q.fromUnixNano)}`,
    `start_ns < ${p.add(q.toUnixNano)}`,
    `${col} IS NOT NULL`,
  ];
  const f = q.filter ?? {};
  if (f.service !== undefined) where.push(`service_name = ${p.add(f.service)}`);
  if (f.agent !== undefined) where.push(`agent_name = ${p.add(f.agent)}`);
  if (f.model !== undefined) where.push(`model = ${p.add(f.model)}`);
  if (f.tool !== undefined) where.push(`tool_name = ${p.add(f.tool)}`);
  if (f.userId !== undefined) where.push(`user_id = ${p.add(f.userId)}`);
  const step = p.add(BigInt(q.stepSeconds) * 1_000_000_000n);
  return `sel AS (
    SELECT ${col} AS v, (start_ns - ${p.add(q.fromUnixNano)}) // ${step} AS b, user_id,
      status_code = 'error' AS err, ${CALL[q.by]} AS call, input_tokens, output_tokens, cost_usd
    FROM spans WHERE ${where.join(' AND ')})`;
}

export function buildUsageTotals(q: UsageQuery): { sql: string; params: DuckDBValue[]; limit: number } {
  const p = new SqlParams();
  const limit = usageLimit(q.limit);
  const sql = `WITH ${selection(q, p)}
    SELECT v, ${MEASURES} FROM sel GROUP BY v
    ORDER BY ${SORT[q.sort ?? 'cost']} DESC, v ASC LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p.values, limit };
}

export function buildUsageBuckets(q: UsageQuery, values: string[]): { sql: string; params: DuckDBValue[] } {
  const p = new SqlParams();
  const sel = selection(q, p);
  const sql = `WITH ${sel}
    SELECT v, b, ${MEASURES} FROM sel WHERE v IN (SELECT unnest(${p.add(listValue(values))}::VARCHAR[]))
    GROUP BY v, b ORDER BY v, b`;
  return { sql, params: p.values };
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
