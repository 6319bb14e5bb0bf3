/** Builds normalized spans for the metrics tests (the fields the normalizer would have filled). */
import type { SpanRecord } from '../model/index.js';

let seq = 0;

/**
 * One literal naming every field, then Object.assign: the shape the decoder produces. (A record built
 * with object spread is slow to read in V8, which would distort the metrics micro-benchmarks.)
 */
export function testSpan(fields: Partial<SpanRecord> & { durationMs?: number } = {}): SpanRecord {
  const { durationMs = 100, ...rest } = fields;
  seq++;
  const start = 1_700_000_000_000_000_000n + BigInt(seq) * 1_000_000n;
  const span: SpanRecord = {
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    parentSpanId: null,
    name: 'op',
    serviceName: 'svc',
    spanKind: 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(durationMs * 1e6)),
    statusCode: 'unset',
    statusMessage: '',
    attributes: {},
    resource: {},
    scopeName: '',
    scopeVersion: '',
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
  return Object.assign(span, rest);
}
