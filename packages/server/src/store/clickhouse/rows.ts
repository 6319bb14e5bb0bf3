/**
 * Rows as ClickHouse receives them (JSONEachRow objects) and span records as they come back. The
 * JSON text columns (attributes, events…) use the DuckDB engine's encoders, so both engines store
 * the same text. 64-bit integers travel as decimal strings both ways (exact nanoseconds).
 */
import { createHash } from 'node:crypto';
import type { LogRecord, SpanRecord } from '../../model/index.js';
import { encodeAttributes, encodeEvents, encodeLinks } from '../duckdb/json-columns.js';
import { addToParts, type TracePart } from '../duckdb/span-rows.js';
import { SET_SEPARATOR } from '../duckdb/schema.js';

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

export function spanRow(s: SpanRecord, project: string, resources: Map<object, string>): object {
  let resource = resources.get(s.resource);
  if (resource === undefined) {
    resource = encodeAttributes(s.resource);
    resources.set(s.resource, resource);
  }
  return {
    project,
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId,
    name: s.name,
    service_name: s.serviceName,
    span_kind: s.spanKind | 0,
    kind: s.kind,
    start_ns: s.startTimeUnixNano.toString(),
    end_ns: s.endTimeUnixNano.toString(),
    status_code: s.statusCode,
    status_message: s.statusMessage,
    attributes: encodeAttributes(s.attributes),
    resource,
    scope_name: s.scopeName,
    scope_version: s.scopeVersion,
    events: encodeEvents(s.events),
    links: encodeLinks(s.links),
    model: s.model,
    provider: s.provider,
    input_tokens: finite(s.inputTokens),
    output_tokens: finite(s.outputTokens),
    cache_read_tokens: finite(s.cacheReadTokens),
    reasoning_tokens: finite(s.reasoningTokens),
    cost_usd: finite(s.costUsd),
    session_id: s.sessionId,
    user_id: s.userId,
    agent_name: s.agentName,
    tool_name: s.toolName,
    side_effect: s.sideEffect,
    input: s.input,
    output: s.output,
    decision: s.decision ? JSON.stringify(s.decision) : null,
    governance: s.governance ? JSON.stringify(s.governance) : null,
  };
}

/** Read back with the DuckDB engine's mapping: the columns and their texts are the same. */
export { SPAN_COLUMNS, spanFromRow } from '../duckdb/span-from-row.js';

function setText(values: Set<string>): string {
  if (values.size === 0) return '';
  let out = SET_SEPARATOR;
  for (const v of values) out += v + SET_SEPARATOR;
  return out;
}

/**
 * Trace parts of a group of batches, keyed by (project, trace): the part_key hashes the span ids the
 * part summarises, so the same spans written again (a retried insert) make the very same row.
 */
export function traceParts(batches: ReadonlyArray<{ project: string; spans: readonly SpanRecord[] }>) {
  const parts = new Map<string, TracePart>();
  const ids = new Map<string, string[]>();
  for (const b of batches)
    for (const s of b.spans) {
      addToParts(parts, s, b.project);
      const key = `${b.project}/${s.traceId}`;
      const list = ids.get(key);
      if (list) list.push(s.spanId);
      else ids.set(key, [s.spanId]);
    }
  const partRows: object[] = [];
  for (const [key, p] of parts) {
    const partKey = createHash('sha1')
      .update((ids.get(key) ?? []).sort().join(','))
      .digest('hex')
      .slice(0, 20);
    const start = p.start.toString();
    const end = p.end.toString();
    partRows.push({
      project: p.project,
      trace_id: p.traceId,
      part_key: partKey,
      start_ns: start,
      end_ns: end,
      span_count: p.spans,
      error_count: p.errors,
      tokens: p.tokens,
      cost_usd: p.cost,
      root_name: p.rootName,
      root_service: p.rootService,
      first_name: p.firstName,
      first_service: p.firstService,
      session_id: p.sessionId,
      user_id: p.userId,
      service_set: setText(p.services),
      kind_set: setText(p.kinds),
      agent_set: setText(p.agents),
      model_set: setText(p.models),
    });
  }
  return { partRows };
}

export function logRow(log: LogRecord, logId: bigint, project: string): object {
  return {
    project,
    log_id: logId.toString(),
    time_ns: log.timeUnixNano.toString(),
    observed_ns: log.observedTimeUnixNano.toString(),
    severity_number: log.severityNumber | 0,
    severity_text: log.severityText,
    body: log.body,
    trace_id: log.traceId,
    span_id: log.spanId,
    service_name: log.serviceName,
    attributes: encodeAttributes(log.attributes),
    resource: encodeAttributes(log.resource),
    scope_name: log.scopeName,
  };
}

/**
 * Log ids: unique and increasing per node without a database round trip, so several ingest nodes
 * need no shared sequence. Milliseconds since the epoch in the high bits, a per-process counter in
 * the low 20: ids of one node increase in append order (the log list's tie-breaker), two nodes'
 * ids differ unless they append in the same millisecond with the same counter value — then two logs
 * with the same time and id could page as one (a random start of the counter makes it unlikely).
 */
export class LogIds {
  private lastMs = 0n;
  private counter = BigInt(Math.floor(Math.random() * 0x40000));

  next(): bigint {
    const ms = BigInt(Date.now());
    if (ms > this.lastMs) this.lastMs = ms;
    this.counter++;
    if (this.counter >= 1n << 20n) {
      this.counter = 0n;
      this.lastMs++;
    }
    return (this.lastMs << 20n) | this.counter;
  }
}
