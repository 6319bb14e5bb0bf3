/**
 * Score SQL: the upsert, the newest-first list and the summary over time (per score name and agent or
 * model). Every caller value goes through SqlParams.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ScoreFilter, ScoreJson, ScoreSource, ScoreSummaryGroupJson } from '@witness/protocol';
import { cutString } from '../answer-bounds.js';
import { encodeCursor } from '../cursor.js';
import { StoreQueryError } from '../query-error.js';
import type { ScoreQuery, ScoreRecord, ScoreSummaryQuery } from '../types.js';
import { type Bind, scoreSearchWhere, scoreSummaryWhere } from '../score-where.js';
import { SqlParams } from './sql-params.js';

/** Scores per INSERT statement (14 parameters each). */
export const SCORE_INSERT_CHUNK = 200;

/** Groups (score name × agent/model) one summary returns at most: the most scored first. */
export const MAX_SUMMARY_GROUPS = 100;
/** Labels per group the summary counts (the most frequent). */
const MAX_LABELS = 20;

const COLUMNS =
  'project, id, name, value, label, trace_id, span_id, session_id, source, comment, author, agent, model, time_ns';

/** `INSERT OR REPLACE` of up to SCORE_INSERT_CHUNK scores: a stored (project, id) is replaced. */
export function buildScoreInsert(
  project: string,
  scores: readonly ScoreRecord[],
): { sql: string; params: DuckDBValue[] } {
  const p = new SqlParams();
  const rows = scores.map(
    (s) =>
      `(${[
        project,
        s.id,
        s.name,
        s.value,
        s.label,
        s.traceId,
        s.spanId,
        s.sessionId,
        s.source,
        s.comment,
        s.author,
        s.agent,
        s.model,
        s.timeUnixNano,
      ]
        .map((v) => p.add(v))
        .join(', ')})`,
  );
  return { sql: `INSERT OR REPLACE INTO scores (${COLUMNS}) VALUES ${rows.join(', ')}`, params: p.values };
}

/** DuckDB's positional parameters. */
const duckBind = (p: SqlParams): Bind => ({ text: (v) => p.add(v), int64: (v) => p.add(v) });

export function buildScoreSearch(q: ScoreQuery): { sql: string; params: SqlParams; limit: number } {
  const p = new SqlParams();
  const { where, limit } = scoreSearchWhere(q, duckBind(p));
  const sql = `SELECT ${COLUMNS} FROM scores WHERE ${where.join(' AND ')}
    ORDER BY time_ns DESC, id DESC LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p, limit };
}

const nullableText = (v: unknown) => (v === null || v === undefined ? null : cutString(String(v)));

export function scoreFromRow(r: Record<string, unknown>): { item: ScoreJson; cursor: string } {
  const ns = BigInt(r.time_ns as bigint);
  const item: ScoreJson = {
    id: String(r.id),
    name: cutString(String(r.name)),
    value: r.value === null ? null : Number(r.value),
    label: nullableText(r.label),
    traceId: (r.trace_id as string | null) ?? null,
    spanId: (r.span_id as string | null) ?? null,
    sessionId: nullableText(r.session_id),
    source: r.source as ScoreSource,
    comment: nullableText(r.comment),
    author: nullableText(r.author),
    agent: nullableText(r.agent),
    model: nullableText(r.model),
    time: new Date(Number(ns / 1_000_000n)).toISOString(),
  };
  return { item, cursor: encodeCursor([String(ns), String(r.id)]) };
}

const SQL_OPS: Record<ScoreFilter['op'], string> = {
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  '=': '=',
  '!=': '<>',
};

/**
 * The trace-list condition of one `score=` filter, on `trace_parts` rows: the trace (or a span of it)
 * has a matching score, or its session has a session-level one.
 */
export function scoreFilterCondition(f: ScoreFilter, project: string, p: SqlParams): string {
  const op = SQL_OPS[f.op];
  if (op === undefined)
    throw new StoreQueryError(`score filter operator "${String(f.op)}" is not one of > >= < <= = !=`);
  if (typeof f.value === 'string' && f.op !== '=' && f.op !== '!=')
    throw new StoreQueryError('a score label compares with = or != only');
  const cond =
    typeof f.value === 'number' ? `value ${op} ${p.add(f.value)}` : `label ${op} ${p.add(f.value)}`;
  const matching = `FROM scores WHERE project = ${p.add(project)} AND name = ${p.add(f.name)} AND ${cond}`;
  return `(trace_id IN (SELECT trace_id ${matching} AND trace_id IS NOT NULL)
    OR session_id IN (SELECT session_id ${matching} AND trace_id IS NULL AND session_id IS NOT NULL))`;
}

export function buildScoreSummary(q: ScoreSummaryQuery): {
  sql: string;
  params: DuckDBValue[];
  stepNs: bigint;
} {
  const p = new SqlParams();
  const { where, stepNs, group } = scoreSummaryWhere(q, duckBind(p));
  const from = p.add(q.fromUnixNano);
  const step = p.add(stepNs);
  // one row per (name, group, bucket); the totals and label counts are folded in by the caller
  const sql = `WITH picked AS (
      SELECT name, ${group} AS grp, value, label, (time_ns - ${from}) // ${step} AS bucket
      FROM scores WHERE ${where.join(' AND ')}
    ), top AS (
      SELECT name, grp FROM picked GROUP BY name, grp ORDER BY count(*) DESC, name, grp LIMIT ${MAX_SUMMARY_GROUPS}
    )
    SELECT picked.name, picked.grp, bucket, count(*) AS n, count(value) AS nv, sum(value) AS total,
      min(value) AS lo, max(value) AS hi,
      list(label) FILTER (WHERE label IS NOT NULL) AS labels
    FROM picked JOIN top ON picked.name = top.name AND picked.grp = top.grp
    GROUP BY picked.name, picked.grp, bucket ORDER BY picked.name, picked.grp, bucket`;
  return { sql, params: p.values, stepNs };
}

/** Folds the summary rows into one group per (name, group value). */
export function assembleScoreSummary(
  q: ScoreSummaryQuery,
  stepNs: bigint,
  rows: Array<Record<string, unknown>>,
): ScoreSummaryGroupJson[] {
  const groups = new Map<
    string,
    ScoreSummaryGroupJson & { sum: number; valued: number; labelCounts: Map<string, number> }
  >();
  for (const r of rows) {
    const name = cutString(String(r.name));
    const grp = cutString(String(r.grp));
    const key = `${name}\u0000${grp}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        name,
        group: grp,
        count: 0,
        avg: null,
        min: null,
        max: null,
        labels: {},
        points: [],
        sum: 0,
        valued: 0,
        labelCounts: new Map(),
      };
      groups.set(key, g);
    }
    const n = Number(r.n);
    const nv = Number(r.nv);
    const total = r.total === null ? 0 : Number(r.total);
    g.count += n;
    g.valued += nv;
    g.sum += total;
    if (r.lo !== null) g.min = g.min === null ? Number(r.lo) : Math.min(g.min, Number(r.lo));
    if (r.hi !== null) g.max = g.max === null ? Number(r.hi) : Math.max(g.max, Number(r.hi));
    const labels = r.labels as { items?: unknown[] } | unknown[] | null;
    const list = Array.isArray(labels) ? labels : (labels?.items ?? []);
    for (const l of list)
      if (l !== null) g.labelCounts.set(String(l), (g.labelCounts.get(String(l)) ?? 0) + 1);
    const startMs = Number((q.fromUnixNano + BigInt(r.bucket as bigint) * stepNs) / 1_000_000n);
    g.points.push([startMs, nv === 0 ? null : total / nv, n]);
  }
  return [...groups.values()].map((g) => ({
    name: g.name,
    group: g.group,
    count: g.count,
    avg: g.valued === 0 ? null : g.sum / g.valued,
    min: g.min,
    max: g.max,
    labels: Object.fromEntries(
      [...g.labelCounts.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, MAX_LABELS)
        .map(([l, c]) => [cutString(l), c]),
    ),
    points: g.points,
  }));
}
