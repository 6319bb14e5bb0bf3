/**
 * One session as a conversation (`GET /api/sessions/{id}`): its traces oldest first from their
 * `trace_rollup` rows (rollups.ts), then the previews of the page's traces from their
 * root, LLM and errored spans only, within the page's time range (zone maps on start_ns).
 */
import { type DuckDBValue, listValue } from '@duckdb/node-api';
import type { SessionTurnJson } from '@witness/protocol';
import { cutString } from '../answer-bounds.js';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import type { SessionQuery } from '../types.js';
import { namesOfSets } from './group-list.js';
import { SqlParams } from './sql-params.js';

/** Characters of a turn's input and output preview. */
export const PREVIEW_CHARS = 2000;

export function sessionPageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 200;
  return Math.min(500, Math.max(1, Math.trunc(limit)));
}

/**
 * `within`: the session's first start and last end (its rollup row): every trace of the session
 * starts in it, and zone maps on `s` then read a few row groups instead of every trace's session id.
 */
export function buildSessionTurns(
  q: SessionQuery,
  within?: { lo: bigint; hi: bigint },
): { sql: string; params: DuckDBValue[]; limit: number } {
  const p = new SqlParams();
  const where = [`project = ${p.add(q.project)}`, `session_id = ${p.add(q.sessionId)}`];
  if (within !== undefined)
    where.push(`s BETWEEN ${p.add(within.lo)}::BIGINT AND ${p.add(within.hi)}::BIGINT`);
  if (q.cursor !== undefined) {
    const [start, traceId] = decodeCursor(q.cursor, 2);
    const s = `${p.add(cursorBigInt(start))}::BIGINT`;
    where.push(`(s > ${s} OR (s = ${s} AND trace_id > ${p.add(traceId)}))`);
  }
  const limit = sessionPageLimit(q.limit);
  const sql = `SELECT trace_id, s, e, user_id, errors, tin, tout, cost, span_count,
      coalesce(root_name, first_name) AS root_name, coalesce(root_service, first_service) AS service_name,
      agent_set AS agents, model_set AS models
    FROM trace_rollup WHERE ${where.join(' AND ')} ORDER BY s, trace_id LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p.values, limit };
}

/** The spans that give a page's previews: roots, LLM calls, errors. */
export function buildTurnSpans(
  project: string,
  traceIds: string[],
  lo: bigint,
  hi: bigint,
): { sql: string; params: DuckDBValue[] } {
  const p = new SqlParams();
  const sql = `SELECT trace_id, parent_span_id IS NULL AS root, kind, status_code, status_message,
      left(input, ${PREVIEW_CHARS + 1}) AS input, left(output, ${PREVIEW_CHARS + 1}) AS output
    FROM spans WHERE project = ${p.add(project)} AND start_ns BETWEEN ${p.add(lo)}::BIGINT AND ${p.add(hi)}::BIGINT
      AND trace_id IN (SELECT unnest(${p.add(listValue(traceIds))}::VARCHAR[]))
      AND (parent_span_id IS NULL OR kind = 'llm' OR status_code = 'error')
    ORDER BY start_ns, span_id`;
  return { sql, params: p.values };
}

type Row = Record<string, unknown>;

const preview = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? cutString(v, PREVIEW_CHARS) : null;

/** Turns from the trace rows and their preview spans (in start order). */
export function turnsOf(traces: Row[], spans: Row[]): SessionTurnJson[] {
  const byTrace = new Map<string, Row[]>();
  for (const s of spans) {
    const list = byTrace.get(s.trace_id as string);
    if (list) list.push(s);
    else byTrace.set(s.trace_id as string, [s]);
  }
  return traces.map((t) => {
    const own = byTrace.get(t.trace_id as string) ?? [];
    const root = own.find((s) => s.root === true);
    const llms = own.filter((s) => s.kind === 'llm');
    const failed = own.find((s) => s.status_code === 'error');
    const start = t.s as bigint;
    return {
      traceId: t.trace_id as string,
      startTimeUnixNano: String(start),
      durationMs: Number((t.e as bigint) - start) / 1e6,
      rootName: cutString((t.root_name as string | null) ?? ''),
      serviceName: cutString((t.service_name as string | null) ?? ''),
      userId: t.user_id === null ? null : cutString(t.user_id as string),
      input: preview(root?.input) ?? preview(llms[0]?.input),
      output: preview(root?.output) ?? preview(llms.at(-1)?.output),
      spanCount: Number(t.span_count),
      inputTokens: Number(t.tin),
      outputTokens: Number(t.tout),
      costUsd: t.cost === null ? 0 : Number(t.cost),
      errors: Number(t.errors),
      errorMessage: failed ? cutString((failed.status_message as string) || 'error') : null,
      agents: namesOfSets(t.agents),
      models: namesOfSets(t.models),
    };
  });
}

export function turnCursor(t: Row): string {
  return encodeCursor([String(t.s as bigint), t.trace_id as string]);
}
