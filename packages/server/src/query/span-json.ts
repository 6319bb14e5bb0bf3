import type { SpanJson } from '@witness/protocol';
import type { SpanRecord } from '../model/index.js';

/** A stored span as the API shows it: nanosecond times as decimal strings (JSON numbers cannot hold them). */
export function spanToJson(s: SpanRecord): SpanJson {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    serviceName: s.serviceName,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    durationMs: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
    status: { code: s.statusCode, message: s.statusMessage },
    attributes: s.attributes,
    resource: s.resource,
    events: s.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeUnixNano.toString(),
      attributes: e.attributes,
    })),
    links: s.links,
    scope: { name: s.scopeName, version: s.scopeVersion },
    kind: s.kind,
    model: s.model,
    provider: s.provider,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cacheReadTokens: s.cacheReadTokens,
    reasoningTokens: s.reasoningTokens,
    costUsd: s.costUsd,
    tokensEstimated: s.tokensEstimated,
    sessionId: s.sessionId,
    userId: s.userId,
    agentName: s.agentName,
    toolName: s.toolName,
    sideEffect: s.sideEffect,
    input: s.input,
    output: s.output,
    decision: s.decision,
    governance: s.governance,
  };
}
