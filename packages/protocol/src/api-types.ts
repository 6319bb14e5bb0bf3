/** JSON shapes of the query API (`/api/...`). Timestamps in nanoseconds are decimal strings. */

export type SpanKind =
  | 'agent'
  | 'llm'
  | 'tool'
  | 'step'
  | 'decision'
  | 'retrieval'
  | 'embedding'
  | 'workflow'
  | 'http'
  | 'db'
  | 'other';

export const SPAN_KINDS: readonly SpanKind[] = [
  'agent',
  'llm',
  'tool',
  'step',
  'decision',
  'retrieval',
  'embedding',
  'workflow',
  'http',
  'db',
  'other',
];

export type StatusCode = 'unset' | 'ok' | 'error';

/** Attribute values as they arrive over OTLP (arrays and kvlists kept as JSON). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface SpanEventJson {
  name: string;
  timeUnixNano: string;
  attributes: Attributes;
}

export interface SpanLinkJson {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface Decision {
  choice: string | null;
  alternatives: string[];
  confidence: number | null;
  rationale: string | null;
}

export interface Governance {
  mode: string | null;
  actor: string | null;
  actorRole: string | null;
  workflow: string | null;
  outcome: string | null;
}

/** The derived agent fields every span carries (null when unknown). */
export interface AgentFields {
  kind: SpanKind;
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  sessionId: string | null;
  userId: string | null;
  agentName: string | null;
  toolName: string | null;
  /** Tool call has side effects (writes, payments, emails…); null when not said. */
  sideEffect: boolean | null;
  /** Prompt / tool arguments as text, when the span carries them. */
  input: string | null;
  /** Completion / tool result as text, when the span carries them. */
  output: string | null;
  decision: Decision | null;
  governance: Governance | null;
}

/** `GET /api/traces/{traceId}` → `{ traceId, spans: SpanJson[] }`. */
export interface SpanJson extends AgentFields {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  serviceName: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  status: { code: StatusCode; message: string };
  attributes: Attributes;
  resource: Attributes;
  events: SpanEventJson[];
  links: SpanLinkJson[];
  scope: { name: string; version: string };
}

export interface TraceJson {
  traceId: string;
  spans: SpanJson[];
}

/** One row of `GET /api/traces`. */
export interface TraceSummaryJson {
  traceId: string;
  rootName: string;
  serviceName: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  totalTokens: number;
  costUsd: number | null;
  sessionId: string | null;
  userId: string | null;
  /** Agents seen in the trace (for list display). */
  agents?: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One row of `GET /api/logs`. */
export interface LogJson {
  timeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: string;
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  attributes: Attributes;
}

/** Body of every 4xx/5xx answer of the API (see server/http/errors). */
export interface ErrorJson {
  error: { code: string; message: string };
}
