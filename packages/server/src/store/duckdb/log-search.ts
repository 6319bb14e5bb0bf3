/** The log list: newest first, log id (assigned at append, increasing) as the tie-breaker. */
import type { LogJson } from '@witness/protocol';
import { cutAttributeValues, cutString, MAX_LOG_BODY } from '../answer-bounds.js';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import { StoreQueryError } from '../query-error.js';
import type { LogQuery } from '../types.js';
import { decodeAttributes } from './json-columns.js';
import type { BuiltQuery } from './trace-search.js';
import { SqlParams, pageLimit } from './sql-params.js';

/** OTLP severity ranges: each text names the lowest number of its range. */
const SEVERITY_TEXT: Record<string, number> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  FATAL: 21,
};

/** `severity=` as a minimum severity number: 1..24, or a level name (INFO, warn…). */
export function minSeverity(severity: string): number {
  const trimmed = severity.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (n >= 1 && n <= 24) return n;
  } else {
    const n = SEVERITY_TEXT[trimmed.toUpperCase()];
    if (n !== undefined) return n;
  }
  throw new StoreQueryError(
    `severity "${severity.slice(0, 40)}" is not a severity: use 1..24 or TRACE, DEBUG, INFO, WARN, ERROR, FATAL`,
  );
}

// Records sent with only a severity text (number 0) are ranked by their text.
const EFFECTIVE_SEVERITY = `CASE WHEN severity_number > 0 THEN severity_number
  WHEN starts_with(upper(severity_text), 'FATAL') THEN 21
  WHEN starts_with(upper(severity_text), 'ERROR') THEN 17
  WHEN starts_with(upper(severity_text), 'WARN') THEN 13
  WHEN starts_with(upper(severity_text), 'INFO') THEN 9
  WHEN starts_with(upper(severity_text), 'DEBUG') THEN 5
  WHEN starts_with(upper(severity_text), 'TRACE') THEN 1
  ELSE 0 END`;

export function buildLogSearch(q: LogQuery): BuiltQuery {
  const p = new SqlParams();
  const where: string[] = [`project = ${p.add(q.project)}`];
  if (q.traceId !== undefined) where.push(`trace_id = ${p.add(q.traceId)}`);
  if (q.service !== undefined) where.push(`service_name = ${p.add(q.service)}`);
  if (q.severity !== undefined) where.push(`(${EFFECTIVE_SEVERITY}) >= ${p.add(minSeverity(q.severity))}`);
  if (q.q !== undefined && q.q !== '') where.push(`contains(lower(body), lower(${p.add(q.q)}))`);
  if (q.fromUnixNano !== undefined) where.push(`time_ns >= ${p.add(q.fromUnixNano)}`);
  if (q.toUnixNano !== undefined) where.push(`time_ns <= ${p.add(q.toUnixNano)}`);
  if (q.cursor !== undefined) {
    const [time, id] = decodeCursor(q.cursor, 2);
    const t = p.add(cursorBigInt(time));
    where.push(`(time_ns < ${t} OR (time_ns = ${t} AND log_id < ${p.add(cursorBigInt(id))}))`);
  }
  const limit = pageLimit(q.limit);
  const sql = `SELECT log_id, time_ns, severity_number, severity_text, body, trace_id, span_id, service_name, attributes
    FROM logs WHERE ${where.join(' AND ')}
    ORDER BY time_ns DESC, log_id DESC LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p, limit };
}

export function logFromRow(r: Record<string, unknown>): { item: LogJson; cursor: string } {
  const item: LogJson = {
    timeUnixNano: String(r.time_ns),
    severityNumber: Number(r.severity_number),
    severityText: cutString(r.severity_text as string),
    // list answers are bounded (answer-bounds.ts): long bodies and attribute values are cut
    body: cutString(r.body as string, MAX_LOG_BODY),
    traceId: (r.trace_id as string | null) ?? null,
    spanId: (r.span_id as string | null) ?? null,
    serviceName: cutString(r.service_name as string),
    attributes: cutAttributeValues(decodeAttributes(r.attributes as string)),
  };
  return { item, cursor: encodeCursor([String(r.time_ns), String(r.log_id)]) };
}
