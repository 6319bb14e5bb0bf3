/**
 * The WHERE conditions of a score search and a score summary, for both engines: they differ only in
 * how a value becomes a parameter (DuckDB's positional `$n`, ClickHouse's typed `{pN:Type}`), so each
 * passes its binder and the conditions are written once.
 */
import { MAX_SCORE_SUMMARY_BUCKETS } from '@witness/protocol';
import { cursorBigInt, decodeCursor } from './cursor.js';
import { StoreQueryError } from './query-error.js';
import type { ScoreQuery, ScoreSummaryQuery } from './types.js';

/** Turns a value into the engine's parameter placeholder (adding it to the statement's parameters). */
export interface Bind {
  text(v: string): string;
  int64(v: bigint): string;
}

/** Newest first, keyset-paged on (time, id); `limit` is the page size (the SQL reads one more). */
export function scoreSearchWhere(q: ScoreQuery, b: Bind): { where: string[]; limit: number } {
  const where = [`project = ${b.text(q.project)}`];
  if (q.traceId !== undefined) where.push(`trace_id = ${b.text(q.traceId)}`);
  if (q.spanId !== undefined) where.push(`span_id = ${b.text(q.spanId)}`);
  if (q.sessionId !== undefined) where.push(`session_id = ${b.text(q.sessionId)}`);
  if (q.name !== undefined) where.push(`name = ${b.text(q.name)}`);
  if (q.source !== undefined) where.push(`source = ${b.text(q.source)}`);
  if (q.fromUnixNano !== undefined) where.push(`time_ns >= ${b.int64(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) where.push(`time_ns <= ${b.int64(q.toUnixNano)}`);
  if (q.cursor !== undefined) {
    const [time, id] = decodeCursor(q.cursor, 2);
    const t = b.int64(cursorBigInt(time));
    where.push(`(time_ns < ${t} OR (time_ns = ${t} AND id < ${b.text(id)}))`);
  }
  const limit = q.limit === undefined ? 100 : Math.min(1000, Math.max(1, Math.trunc(q.limit)));
  return { where, limit };
}

/** The summary's range and filters, its bucket width, and the group expression (agent, model or none). */
export function scoreSummaryWhere(
  q: ScoreSummaryQuery,
  b: Bind,
): { where: string[]; stepNs: bigint; group: string } {
  const stepNs = BigInt(Math.round(q.stepSeconds)) * 1_000_000_000n;
  const buckets = (q.toUnixNano - q.fromUnixNano) / stepNs;
  if (buckets > BigInt(MAX_SCORE_SUMMARY_BUCKETS))
    throw new StoreQueryError(
      `${buckets} buckets asked for; at most ${MAX_SCORE_SUMMARY_BUCKETS}: widen step or narrow from..to`,
    );
  const where = [
    `project = ${b.text(q.project)}`,
    `time_ns >= ${b.int64(q.fromUnixNano)}`,
    `time_ns < ${b.int64(q.toUnixNano)}`,
  ];
  if (q.name !== undefined) where.push(`name = ${b.text(q.name)}`);
  if (q.source !== undefined) where.push(`source = ${b.text(q.source)}`);
  const group =
    q.groupBy === 'none' ? `''` : q.groupBy === 'agent' ? `coalesce(agent, '')` : `coalesce(model, '')`;
  return { where, stepNs, group };
}
