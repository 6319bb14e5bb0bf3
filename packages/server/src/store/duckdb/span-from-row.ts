/**
 * A `spans` row as read back into the normalized SpanRecord, for both engines: DuckDB's
 * getRowObjects (BIGINT as bigint, BOOLEAN as boolean) and ClickHouse's JSONEachRow (Int64 as a
 * decimal string, Bool as true/false, absent Nullable as null). The columns and their JSON texts are
 * the same in both (the ClickHouse engine writes them with ./json-columns too).
 */
import type { SpanKind, SpanRecord, StatusCode } from '../../model/index.js';
import { TOKENS_ESTIMATED_ATTR } from '../../normalize/index.js';
import {
  decodeAttributes,
  decodeDecision,
  decodeEvents,
  decodeGovernance,
  decodeLinks,
} from './json-columns.js';

type Row = Record<string, unknown>;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const SPAN_COLUMNS = `trace_id, span_id, parent_span_id, name, service_name, span_kind, kind, start_ns, end_ns,
  status_code, status_message, attributes, resource, scope_name, scope_version, events, links, model, provider,
  input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, cost_usd, session_id, user_id, agent_name,
  tool_name, side_effect, input, output, decision, governance`;

export function spanFromRow(r: Row): SpanRecord {
  const attributes = decodeAttributes(r.attributes as string);
  return {
    traceId: r.trace_id as string,
    spanId: r.span_id as string,
    parentSpanId: text(r.parent_span_id),
    name: r.name as string,
    serviceName: r.service_name as string,
    spanKind: Number(r.span_kind),
    // a bigint from DuckDB, a decimal string from ClickHouse: exact either way
    startTimeUnixNano: BigInt(r.start_ns as bigint | string),
    endTimeUnixNano: BigInt(r.end_ns as bigint | string),
    statusCode: r.status_code as StatusCode,
    statusMessage: r.status_message as string,
    attributes,
    resource: decodeAttributes(r.resource as string),
    scopeName: r.scope_name as string,
    scopeVersion: r.scope_version as string,
    events: decodeEvents(r.events as string),
    links: decodeLinks(r.links as string),
    kind: r.kind as SpanKind,
    model: text(r.model),
    provider: text(r.provider),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    cacheReadTokens: num(r.cache_read_tokens),
    reasoningTokens: num(r.reasoning_tokens),
    costUsd: num(r.cost_usd),
    // The normalizer marks estimated counts with this attribute, so the mark needs no column of its own.
    tokensEstimated: attributes[TOKENS_ESTIMATED_ATTR] === true,
    sessionId: text(r.session_id),
    userId: text(r.user_id),
    agentName: text(r.agent_name),
    toolName: text(r.tool_name),
    sideEffect: r.side_effect === null || r.side_effect === undefined ? null : Boolean(r.side_effect),
    input: text(r.input),
    output: text(r.output),
    decision: decodeDecision(text(r.decision)),
    governance: decodeGovernance(text(r.governance)),
  };
}
