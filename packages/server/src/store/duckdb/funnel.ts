/**
 * Funnels (`POST /api/funnels/query`) in one statement. For each session (user): step 1 is its first
 * span matching step 1's predicate in [from, to]; step k is its first span matching step k's
 * predicate that started at or after step k−1 and at most `within` after step 1. So every entity is
 * anchored at its first step-1 span (as Mixpanel and Amplitude do), and each later step takes the
 * earliest match, which is what maximises how far it gets. A span may satisfy two consecutive steps
 * when it matches both predicates.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { FunnelResultJson, FunnelStep } from '@witness/protocol';
import type { FunnelQuery } from '../types.js';
import { jsonKeyPath } from './json-columns.js';
import { SqlParams } from './sql-params.js';

function predicate(step: FunnelStep, p: SqlParams): string {
  const c: string[] = [];
  if (step.name !== undefined) c.push(`name = ${p.add(step.name)}`);
  if (step.service !== undefined) c.push(`service_name = ${p.add(step.service)}`);
  if (step.kind !== undefined) c.push(`kind = ${p.add(step.kind)}`);
  if (step.agent !== undefined) c.push(`agent_name = ${p.add(step.agent)}`);
  if (step.model !== undefined) c.push(`model = ${p.add(step.model)}`);
  if (step.tool !== undefined) c.push(`tool_name = ${p.add(step.tool)}`);
  if (step.status === 'error') c.push(`status_code = 'error'`);
  if (step.status === 'ok') c.push(`status_code <> 'error'`);
  for (const [key, value] of Object.entries(step.attributes ?? {})) {
    const k = p.add(JSON.stringify(key));
    const path = p.add(jsonKeyPath(key));
    const v = p.add(value);
    c.push(`((contains(attributes, ${k}) AND json_extract_string(attributes, ${path}) = ${v})
      OR (contains(resource, ${k}) AND json_extract_string(resource, ${path}) = ${v}))`);
  }
  return c.length > 0 ? c.join(' AND ') : 'true';
}

export function buildFunnel(q: FunnelQuery): { sql: string; params: DuckDBValue[] } {
  const p = new SqlParams();
  const ent = q.by === 'session' ? 'session_id' : 'user_id';
  const pr = p.add(q.project);
  // typed BIGINT: a JS bigint binds as HUGEINT, and every comparison with start_ns would widen (usage.ts)
  const from = `${p.add(q.fromUnixNano)}::BIGINT`;
  const to = `${p.add(q.toUnixNano)}::BIGINT`;
  const within = `${p.add(BigInt(q.withinSeconds) * 1_000_000_000n)}::BIGINT`;
  const ctes: string[] = [];
  q.steps.forEach((step, i) => {
    ctes.push(`m${i + 1} AS (SELECT ${ent} AS e, start_ns AS t FROM spans
      WHERE project = ${pr} AND start_ns >= ${from} AND start_ns <= ${to} AND ${ent} IS NOT NULL
        AND ${predicate(step, p)})`);
  });
  ctes.push('s1 AS (SELECT e, min(t) AS t1 FROM m1 GROUP BY e)');
  for (let k = 2; k <= q.steps.length; k++) {
    const carried = Array.from({ length: k - 1 }, (_, i) => `s.t${i + 1}`).join(', ');
    ctes.push(`s${k} AS (SELECT s.e, ${carried}, min(m.t) AS t${k}
      FROM s${k - 1} AS s JOIN m${k} AS m ON m.e = s.e AND m.t >= s.t${k - 1} AND m.t <= s.t1 + ${within}
      GROUP BY s.e, ${carried})`);
  }
  const selects = q.steps.map((_, i) => {
    const k = i + 1;
    if (k === 1)
      return 'SELECT 1 AS step, count(*)::BIGINT AS n, NULL::DOUBLE[] AS prev, NULL::DOUBLE[] AS first FROM s1';
    return `SELECT ${k} AS step, count(*)::BIGINT AS n,
      quantile_cont((t${k} - t${k - 1}) / 1e6, [0.5, 0.95]) AS prev,
      quantile_cont((t${k} - t1) / 1e6, [0.5, 0.95]) AS first FROM s${k}`;
  });
  const sql = `WITH ${ctes.join(',\n')}
    ${selects.join('\nUNION ALL\n')}
    ORDER BY step`;
  return { sql, params: p.values };
}

type Row = Record<string, unknown>;

export function stepLabel(step: FunnelStep, i: number): string {
  if (step.label) return step.label;
  const parts: string[] = [];
  if (step.name) parts.push(step.name);
  if (step.kind) parts.push(`kind=${step.kind}`);
  if (step.service) parts.push(`service=${step.service}`);
  if (step.agent) parts.push(`agent=${step.agent}`);
  if (step.model) parts.push(`model=${step.model}`);
  if (step.tool) parts.push(`tool=${step.tool}`);
  if (step.status) parts.push(`status=${step.status}`);
  for (const [k, v] of Object.entries(step.attributes ?? {})) parts.push(`${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : `step ${i + 1}`;
}

/** Element i of a DuckDB LIST (a DuckDBListValue: its `items`). */
const q = (list: unknown, i: number): number | null => {
  const items = (list as { items?: unknown[] } | null)?.items;
  if (!Array.isArray(items)) return null;
  const v = items[i];
  return v === null || v === undefined ? null : Number(v);
};

export function funnelFromRows(query: FunnelQuery, rows: Row[]): FunnelResultJson {
  const counts = query.steps.map((_, i) => Number(rows.find((r) => Number(r.step) === i + 1)?.n ?? 0));
  const steps = query.steps.map((step, i) => {
    const r = rows.find((x) => Number(x.step) === i + 1);
    const count = counts[i];
    const previous = i === 0 ? count : counts[i - 1];
    return {
      label: stepLabel(step, i),
      count,
      conversionFromPrevious: i === 0 ? (count > 0 ? 1 : null) : previous > 0 ? count / previous : null,
      conversionFromFirst: counts[0] > 0 ? count / counts[0] : null,
      dropOff: i === 0 ? 0 : previous - count,
      p50MsFromPrevious: count > 0 ? q(r?.prev, 0) : null,
      p95MsFromPrevious: count > 0 ? q(r?.prev, 1) : null,
      p50MsFromFirst: count > 0 ? q(r?.first, 0) : null,
      p95MsFromFirst: count > 0 ? q(r?.first, 1) : null,
    };
  });
  const entered = counts[0];
  const converted = counts[counts.length - 1];
  return {
    by: query.by,
    steps,
    entered,
    converted,
    conversion: entered > 0 ? converted / entered : null,
  };
}
