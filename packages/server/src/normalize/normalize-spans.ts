import type { SpanRecord } from '../model/index.js';
import { scanAttributes } from './attribute-scan.js';
import { estimateMissingTokens } from './estimate-tokens.js';
import { fillInputAndOutput } from './read-content.js';
import { readDecision, readGovernance } from './read-decision.js';
import { fillAgentAndTool, fillSessionAndUser } from './read-identity.js';
import { readModel, readProvider } from './read-model.js';
import { fillCost, fillUsage } from './read-usage.js';
import { declaredKinds, resolveKind } from './resolve-kind.js';
import { readResource } from './resource-identity.js';

/**
 * Fills the derived agent fields of one span in place. Every field is assigned (idempotent). One pass
 * reads the attributes into slots; each reader then resolves one group of fields across the conventions,
 * in the precedence docs/normalization.md states.
 */
export function normalizeSpan(span: SpanRecord): void {
  scanAttributes(span.attributes);
  readResource(span.resource);
  const declared = declaredKinds();
  span.kind = resolveKind(span, declared);
  span.model = readModel();
  const reportedTotal = fillUsage(span);
  fillInputAndOutput(span);
  estimateMissingTokens(span, reportedTotal);
  fillCost(span);
  span.provider = readProvider(span.model);
  fillSessionAndUser(span);
  fillAgentAndTool(span, declared);
  span.decision = readDecision();
  span.governance = readGovernance();
}

interface TraceIdentity {
  sessionId: string | null;
  userId: string | null;
}

/**
 * Fills the derived agent fields of every span in place, then copies session and user found on any
 * span of a trace onto the spans of that trace in this batch that have none (the store carries them
 * across batches). Attributes, resource and events are left untouched.
 */
export function normalizeSpans(spans: SpanRecord[]): void {
  let traces: Map<string, TraceIdentity> | null = null;
  let missing = false;
  // Spans of one trace usually arrive together: remember the last trace to skip most Map lookups.
  let lastTrace: string | null = null;
  let lastIdentity: TraceIdentity | null = null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    normalizeSpan(span);
    const { sessionId, userId } = span;
    if (sessionId === null || userId === null) missing = true;
    if (sessionId === null && userId === null) continue;
    let known: TraceIdentity | undefined;
    if (span.traceId === lastTrace) known = lastIdentity!;
    else {
      traces ??= new Map();
      known = traces.get(span.traceId);
      if (known === undefined) {
        known = { sessionId, userId };
        traces.set(span.traceId, known);
      }
      lastTrace = span.traceId;
      lastIdentity = known;
    }
    known.sessionId ??= sessionId;
    known.userId ??= userId;
  }
  if (traces === null || !missing) return;
  lastTrace = null;
  lastIdentity = null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (span.sessionId !== null && span.userId !== null) continue;
    let known: TraceIdentity | undefined;
    if (span.traceId === lastTrace) known = lastIdentity!;
    else {
      known = traces.get(span.traceId);
      if (known === undefined) continue;
      lastTrace = span.traceId;
      lastIdentity = known;
    }
    span.sessionId ??= known.sessionId;
    span.userId ??= known.userId;
  }
}
