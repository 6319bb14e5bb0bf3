import type { GraphSpan } from '@witness/protocol';
import type { SpanRecord } from '../model/index.js';

/** A stored span as the graph builder reads it (ms from ns; errors from the status). */
export function toGraphSpan(s: SpanRecord): GraphSpan {
  const durationNs = s.endTimeUnixNano - s.startTimeUnixNano;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    agentName: s.agentName,
    toolName: s.toolName,
    model: s.model,
    startMs: Number(s.startTimeUnixNano / 1000n) / 1000,
    durationMs: durationNs > 0n ? Number(durationNs) / 1e6 : 0,
    error: s.statusCode === 'error',
  };
}
