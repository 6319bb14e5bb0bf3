/** A trace's span JSON as the alignment reads it (kept apart from the page: tests import it without a DOM). */
import type { CompareSpan, SpanJson } from '@witness/protocol';
import { nsToMs } from '../../lib/format.js';

export function toCompareSpan(s: SpanJson): CompareSpan {
  return {
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    agentName: s.agentName,
    toolName: s.toolName,
    model: s.model,
    startMs: nsToMs(s.startTimeUnixNano),
    durationMs: s.durationMs,
    error: s.status.code === 'error',
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    costUsd: s.costUsd,
    input: s.input,
    output: s.output,
  };
}
