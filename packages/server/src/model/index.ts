/**
 * The normalized model: every span and log, whatever convention it arrived in, becomes one of these
 * records. The OTLP decoder creates them with the derived agent fields empty (see `emptyAgentFields`);
 * the normalizer fills those fields in place, so no record is copied on the hot path.
 *
 * Times are bigint nanoseconds here (exact, and what DuckDB's TIMESTAMP_NS takes); the query API turns
 * them into decimal strings.
 */
import type { AgentFields, Attributes, ScoreSource, StatusCode } from '@witness/protocol';

export type {
  AgentFields,
  Attributes,
  AttrValue,
  Decision,
  Governance,
  SpanKind,
  StatusCode,
} from '@witness/protocol';

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface SpanRecord extends AgentFields {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** null for a root span. */
  parentSpanId: string | null;
  name: string;
  /** resource `service.name`, or 'unknown_service'. */
  serviceName: string;
  /** OTLP SpanKind number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  spanKind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  statusCode: StatusCode;
  statusMessage: string;
  attributes: Attributes;
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  events: SpanEvent[];
  links: SpanLink[];
}

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** String bodies as they are; any other AnyValue as JSON text. */
  body: string;
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  attributes: Attributes;
  resource: Attributes;
  scopeName: string;
}

/**
 * Derived fields as the decoder leaves them: the normalizer fills them in.
 * On the hot path, build records with one object literal naming every field (or Object.assign onto one),
 * never with object spread: V8 makes the normalizer ~10× slower on records built as
 * `{ ...emptyAgentFields(), … }` or `{ ...fields, kind: 'other', … }` (bench:normalize).
 */
export function emptyAgentFields(): AgentFields {
  return {
    kind: 'other',
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    reasoningTokens: null,
    costUsd: null,
    tokensEstimated: false,
    sessionId: null,
    userId: null,
    agentName: null,
    toolName: null,
    sideEffect: null,
    input: null,
    output: null,
    decision: null,
    governance: null,
  };
}

/**
 * A span record with every field present (in one literal, so all records share one V8 shape) and the
 * OTLP fields at their empty values; decoders fill them in as they read. The one place that lists them.
 */
export function newSpanRecord(
  serviceName: string,
  resource: Attributes,
  scopeName: string,
  scopeVersion: string,
): SpanRecord {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: null,
    name: '',
    serviceName,
    spanKind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    statusCode: 'unset',
    statusMessage: '',
    attributes: {},
    resource,
    scopeName,
    scopeVersion,
    events: [],
    links: [],
    kind: 'other',
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    reasoningTokens: null,
    costUsd: null,
    tokensEstimated: false,
    sessionId: null,
    userId: null,
    agentName: null,
    toolName: null,
    sideEffect: null,
    input: null,
    output: null,
    decision: null,
    governance: null,
  };
}

/**
 * One evaluation score (see @witness/protocol scores.ts). Its target is the most specific of span,
 * trace, session given; `sessionId`, `agent` and `model` are also filled from the scored span or
 * trace when the score is written, so the session view and the summary need no join with spans.
 */
export interface ScoreRecord {
  /** Unique per project: writing a score with a stored id replaces it (an edit, or a replayed ingest). */
  id: string;
  name: string;
  value: number | null;
  label: string | null;
  traceId: string | null;
  spanId: string | null;
  sessionId: string | null;
  source: ScoreSource;
  comment: string | null;
  author: string | null;
  agent: string | null;
  model: string | null;
  timeUnixNano: bigint;
}
