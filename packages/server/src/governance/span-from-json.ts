/**
 * A span as the query API shows it (`GET /api/traces/{id}`) back into a SpanRecord, for
 * `witness policy test` on recorded spans. Derived fields are taken as recorded (they are what the
 * policies saw at ingest); absent ones default to empty.
 */
import type { SpanJson } from '@witness/protocol';
import { newSpanRecord, type SpanRecord } from '../model/index.js';

const ns = (v: unknown): bigint =>
  typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : typeof v === 'number' ? BigInt(Math.round(v)) : 0n;

export function spanFromJson(j: Partial<SpanJson> & Record<string, unknown>): SpanRecord {
  const s = newSpanRecord(
    j.serviceName ?? 'unknown_service',
    j.resource ?? {},
    j.scope?.name ?? '',
    j.scope?.version ?? '',
  );
  s.traceId = j.traceId ?? '';
  s.spanId = j.spanId ?? '';
  s.parentSpanId = j.parentSpanId ?? null;
  s.name = j.name ?? '';
  s.startTimeUnixNano = ns(j.startTimeUnixNano);
  s.endTimeUnixNano = ns(j.endTimeUnixNano);
  s.statusCode = j.status?.code ?? 'unset';
  s.statusMessage = j.status?.message ?? '';
  s.attributes = { ...(j.attributes ?? {}) };
  s.events = (j.events ?? []).map((e) => ({
    name: e.name,
    timeUnixNano: ns(e.timeUnixNano),
    attributes: e.attributes,
  }));
  s.links = j.links ?? [];
  s.kind = j.kind ?? 'other';
  s.model = j.model ?? null;
  s.provider = j.provider ?? null;
  s.inputTokens = j.inputTokens ?? null;
  s.outputTokens = j.outputTokens ?? null;
  s.cacheReadTokens = j.cacheReadTokens ?? null;
  s.reasoningTokens = j.reasoningTokens ?? null;
  s.costUsd = j.costUsd ?? null;
  s.tokensEstimated = j.tokensEstimated ?? false;
  s.sessionId = j.sessionId ?? null;
  s.userId = j.userId ?? null;
  s.agentName = j.agentName ?? null;
  s.toolName = j.toolName ?? null;
  s.sideEffect = j.sideEffect ?? null;
  s.input = j.input ?? null;
  s.output = j.output ?? null;
  s.decision = j.decision ?? null;
  s.governance = j.governance ?? null;
  return s;
}

/** The spans of a sample file: a trace (`{spans: [...]}`), a list of traces, or a list of spans. */
export function spansFromSample(sample: unknown): SpanRecord[] {
  const list = Array.isArray(sample) ? sample : [sample];
  const out: SpanRecord[] = [];
  for (const item of list) {
    if (item && typeof item === 'object' && Array.isArray((item as { spans?: unknown }).spans))
      for (const s of (item as { spans: unknown[] }).spans)
        out.push(spanFromJson(s as Record<string, unknown>));
    else if (item && typeof item === 'object') out.push(spanFromJson(item as Record<string, unknown>));
    else throw new Error('expected a trace ({"spans": [...]}), a list of traces or a list of spans');
  }
  return out;
}
