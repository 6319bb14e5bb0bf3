/**
 * What a score is about, read from the stored trace: the trace must exist in the caller's project
 * (another project's trace is a 404, as everywhere), and the span must be in it. The agent, model
 * and session of the target are copied onto the score, so the summary by agent and model and the
 * session view need no join with spans.
 */
import type { SpanRecord } from '../model/index.js';

export interface TargetFields {
  sessionId: string | null;
  agent: string | null;
  model: string | null;
}

/** The nearest agent span at or above `span` (cycle-safe). */
function agentAbove(span: SpanRecord, byId: Map<string, SpanRecord>): string | null {
  const seen = new Set<string>();
  let cur: SpanRecord | undefined = span;
  while (cur && !seen.has(cur.spanId)) {
    if (cur.kind === 'agent' && cur.agentName) return cur.agentName;
    seen.add(cur.spanId);
    cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
  }
  return span.agentName;
}

/**
 * The fields of a span target (its agent, its model or the first model below it) or of a whole trace
 * (its first agent and first model, by start time). Null when the span is not in the trace.
 */
export function targetFields(spans: readonly SpanRecord[], spanId: string | null): TargetFields | null {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const sessionId = spans.find((s) => s.sessionId !== null)?.sessionId ?? null;
  if (spanId !== null) {
    const span = byId.get(spanId);
    if (!span) return null;
    const below =
      span.model ?? spans.find((s) => s.model !== null && s.parentSpanId === span.spanId)?.model ?? null;
    return { sessionId: span.sessionId ?? sessionId, agent: agentAbove(span, byId), model: below };
  }
  return {
    sessionId,
    agent:
      spans.find((s) => s.kind === 'agent' && s.agentName)?.agentName ??
      spans.find((s) => s.agentName)?.agentName ??
      null,
    model: spans.find((s) => s.model !== null)?.model ?? null,
  };
}
