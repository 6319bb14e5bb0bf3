/**
 * Score SQL in ClickHouse's dialect, mirroring duckdb/score-queries.ts (same answers: the
 * conformance suite holds both). Reads use FINAL: a score written twice counts once.
 */
import type { ScoreFilter } from '@witness/protocol';
import { MAX_SUMMARY_GROUPS } from '../duckdb/score-queries.js';
import { StoreQueryError } from '../query-error.js';
import { type Bind, scoreSearchWhere, scoreSummaryWhere } from '../score-where.js';
import type { ScoreQuery, ScoreRecord, ScoreSummaryQuery } from '../types.js';

/** What these builders need of queries.ts's ChParams and Tables (typed here: queries.ts imports this file). */
interface ChParams {
  add(value: unknown, type: string): string;
  str(value: string): string;
  i64(value: bigint): string;
}
interface Tables {
  scores: string;
  traceParts: string;
}

export const SCORE_COLUMNS =
  'project, id, name, value, label, trace_id, span_id, session_id, source, comment, author, agent, model, time_ns';

/** A score as a JSONEachRow row; `written` orders versions of one id (the newest wins). */
export function scoreRow(project: string, s: ScoreRecord, written: bigint): Record<string, unknown> {
  return {
    project,
    id: s.id,
    name: s.name,
    value: s.value,
    label: s.label,
    trace_id: s.traceId,
    span_id: s.spanId,
    session_id: s.sessionId,
    source: s.source,
    comment: s.comment,
    author: s.author,
    agent: s.agent,
    model: s.model,
    time_ns: s.timeUnixNano.toString(),
    written_ns: written.toString(),
  };
}

/** ClickHouse's typed parameters. */
const chBind = (p: ChParams): Bind => ({ text: (v) => p.str(v), int64: (v) => p.i64(v) });

export function buildScoreSearch(table: string, q: ScoreQuery, p: ChParams) {
  const { where, limit } = scoreSearchWhere(q, chBind(p));
  const sql = `SELECT ${SCORE_COLUMNS} FROM ${table} FINAL WHERE ${where.join(' AND ')}
    ORDER BY time_ns DESC, id DESC LIMIT ${p.add(limit + 1, 'UInt32')}`;
  return { sql, limit };
}

const SQL_OPS: Record<ScoreFilter['op'], string> = {
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  '=': '=',
  '!=': '!=',
};

/** The trace-list condition of one `score=` filter on trace_parts rows (see the DuckDB twin). */
export function scoreFilterCondition(t: Tables, f: ScoreFilter, project: string, p: ChParams): string {
  const op = SQL_OPS[f.op];
  if (op === undefined)
    throw new StoreQueryError(`score filter operator "${String(f.op)}" is not one of > >= < <= = !=`);
  if (typeof f.value === 'string' && f.op !== '=' && f.op !== '!=')
    throw new StoreQueryError('a score label compares with = or != only');
  const cond =
    typeof f.value === 'number'
      ? `value ${op} ${p.add(f.value, 'Float64')}`
      : `label ${op} ${p.str(f.value)}`;
  const pr = p.str(project);
  const matching = `FROM ${t.scores} FINAL WHERE project = ${pr} AND name = ${p.str(f.name)} AND ${cond}`;
  // the session test goes through a subquery: the trace list's SELECT aliases session_id to an aggregate
  return `(trace_id IN (SELECT assumeNotNull(trace_id) ${matching} AND trace_id IS NOT NULL)
    OR trace_id IN (SELECT trace_id FROM ${t.traceParts} WHERE project = ${pr} AND session_id IN (
      SELECT assumeNotNull(session_id) ${matching} AND trace_id IS NULL AND session_id IS NOT NULL)))`;
}

export function buildScoreSummary(table: string, q: ScoreSummaryQuery, p: ChParams) {
  const { where, stepNs, group } = scoreSummaryWhere(q, chBind(p));
  const from = p.i64(q.fromUnixNano);
  const step = p.i64(stepNs);
  const sql = `WITH picked AS (
      SELECT toString(name) AS sname, ${group} AS grp, value, label, intDiv(time_ns - ${from}, ${step}) AS bucket
      FROM ${table} FINAL WHERE ${where.join(' AND ')}
    )
    SELECT sname AS name, grp, bucket, count() AS n, count(value) AS nv, sum(value) AS total,
      min(value) AS lo, max(value) AS hi, groupArrayIf(assumeNotNull(label), label IS NOT NULL) AS labels
    FROM picked
    WHERE (sname, grp) IN (SELECT sname, grp FROM picked GROUP BY sname, grp ORDER BY count() DESC, sname, grp LIMIT ${MAX_SUMMARY_GROUPS})
    GROUP BY sname, grp, bucket ORDER BY sname, grp, bucket`;
  return { sql, stepNs };
}
