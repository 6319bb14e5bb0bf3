/**
 * The ingest side of the audit trail: a durable sink (awaited before the OTLP 200) that turns each
 * span that matters into one audit entry. LLM calls are recorded by reference — trace/span id and
 * SHA-256 of prompt and response — never the text, so the log holds no prompt content to erase.
 */
import { hash } from 'node:crypto';
import type { IngestSink } from '../ingest/types.js';
import type { SpanRecord } from '../model/index.js';
import type { AuditEntryInput } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';
import { inCanonicalOrder, sortKeys } from './canonical-json.js';

/** One-shot SHA-256 (no Hash object per value); only for text that is present. */
function sha256(text: string | null): string | null {
  return text === null ? null : (hash('sha256', text, 'hex') as string);
}

function durationMs(s: SpanRecord): number {
  return Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6;
}

/**
 * Appends to `out` (and returns it) the entries one span produces (none for spans that record no
 * agent action). Details objects are built with their keys in sorted (RFC 8785) order, so makeEntry
 * keeps them as they are and the canonical serialiser takes its native JSON.stringify path without
 * copying or re-sorting.
 */
export function spanAuditEntries(s: SpanRecord, out: AuditEntryInput[] = []): AuditEntryInput[] {
  const isError = s.statusCode === 'error' && (s.kind === 'agent' || s.agentName !== null);
  const k = s.kind;
  // Spans that carry nothing the audit records (steps, plain agent spans…) cost one check, no objects.
  if (!isError && k !== 'tool' && k !== 'decision' && k !== 'llm') return out;
  const g = s.governance;
  const actor = g?.actor ?? (s.agentName ? `agent:${s.agentName}` : s.serviceName);
  const time = Number(s.startTimeUnixNano / 1_000_000n);
  const mode = g?.mode ?? null;
  const workflow = g?.workflow ?? null;
  const actorRole = g?.actorRole ?? null;
  const outcome = g?.outcome ?? null;
  const entry = (
    type: string,
    subject: string | null,
    details: Record<string, unknown>,
  ): AuditEntryInput => ({
    actor,
    agent: s.agentName,
    details,
    session: s.sessionId,
    spanId: s.spanId,
    subject,
    time,
    traceId: s.traceId,
    type,
    user: s.userId,
  });
  if (k === 'tool')
    out.push(
      entry('tool.call', s.toolName ?? s.name, {
        actorRole,
        durationMs: durationMs(s),
        mode,
        outcome,
        service: s.serviceName,
        sideEffect: s.sideEffect,
        span: s.name,
        status: s.statusCode,
        workflow,
      }),
    );
  else if (k === 'decision') {
    const d = s.decision;
    out.push(
      entry('decision', d?.choice ?? s.name, {
        actorRole,
        decision: d && !inCanonicalOrder(d) ? sortKeys(d) : d,
        mode,
        outcome,
        service: s.serviceName,
        span: s.name,
        status: s.statusCode,
        workflow,
      }),
    );
  } else if (k === 'llm')
    out.push(
      entry('llm.call', s.model ?? s.name, {
        actorRole,
        inputTokens: s.inputTokens,
        mode,
        outcome,
        outputTokens: s.outputTokens,
        promptSha256: sha256(s.input),
        provider: s.provider,
        responseSha256: sha256(s.output),
        service: s.serviceName,
        span: s.name,
        status: s.statusCode,
        workflow,
      }),
    );
  // Errors of an agent run: any failed span that belongs to an agent (or is one).
  if (isError)
    out.push(
      entry('agent.error', s.name, {
        actorRole,
        kind: k,
        message: s.statusMessage,
        mode,
        outcome,
        service: s.serviceName,
        span: s.name,
        status: s.statusCode,
        workflow,
      }),
    );
  return out;
}

export function auditSink(log: AuditLog): IngestSink {
  return {
    name: 'audit',
    durable: true,
    async consume(batch) {
      const inputs: AuditEntryInput[] = [];
      for (const s of batch.spans) spanAuditEntries(s, inputs);
      // One appendMany per ingest batch: one queue item, one promise, one group commit for all of it.
      if (inputs.length > 0) await log.appendMany(inputs);
    },
  };
}
