/**
 * What a policy sees: `span` (the normalized span, after redaction) and `trace` (running totals of its
 * trace). Absent values are given as "" (strings), 0 (numbers) and false (sideEffect), so expressions
 * compare without null checks; `mode` is lower-cased (teams write Execute, EXECUTE, execute).
 */
import type { SpanRecord } from '../model/index.js';
import type { TraceTotals } from './trace-totals.js';

export function spanContext(span: SpanRecord, totals: TraceTotals, prescriptive: readonly string[]) {
  const g = span.governance;
  const d = span.decision;
  return {
    span: {
      name: span.name,
      kind: span.kind,
      service: span.serviceName,
      status: span.statusCode,
      durationMs: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
      agent: span.agentName ?? '',
      tool: span.toolName ?? '',
      sideEffect: span.sideEffect === true,
      model: span.model ?? '',
      provider: span.provider ?? '',
      inputTokens: span.inputTokens ?? 0,
      outputTokens: span.outputTokens ?? 0,
      costUsd: span.costUsd ?? 0,
      input: span.input ?? '',
      output: span.output ?? '',
      mode: g?.mode?.toLowerCase() ?? '',
      actor: g?.actor ?? '',
      actorRole: g?.actorRole ?? '',
      workflow: g?.workflow ?? '',
      outcome: g?.outcome ?? '',
      decision: { choice: d?.choice ?? '', confidence: d?.confidence ?? 0 },
      user: span.userId ?? '',
      session: span.sessionId ?? '',
      prescriptive,
      attributes: span.attributes,
    },
    trace: {
      spans: totals.spans,
      llmCalls: totals.llmCalls,
      toolCalls: totals.toolCalls,
      errors: totals.errors,
      costUsd: totals.costUsd,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      lastLlmPrescriptive: totals.lastLlmPrescriptive,
      prescriptive: totals.prescriptive,
    },
  };
}
