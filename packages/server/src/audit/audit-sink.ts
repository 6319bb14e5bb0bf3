/**
 * The ingest side of the audit trail: a durable sink (awaited before the OTLP 200) that turns each
 * span that matters into one audit entry. LLM calls are recorded by reference — trace/span id and
 * SHA-256 of prompt and response — never the text, so the log holds no prompt content to erase.
 */
import { createHash } from 'node:crypto';
import type { IngestSink } from '../ingest/types.js';
import type { SpanRecord } from '../model/index.js';
import type { AuditEntryInput } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';

function sha256(text: string | null): string | null {
  return text === null ? null : createHash('sha256').update(text, 'utf8').digest('hex');
}

function durationMs(s: SpanRecord): number {
  return Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6;
}

/** The audit entries one span produces (none for spans that record no agent action). */
export function spanAuditEntries(s: SpanRecord): AuditEntryInput[] {
  const g = s.governance;
  const common = {
    actor: g?.actor ?? (s.agentName ? `agent:${s.agentName}` : s.serviceName),
    user: s.userId,
    agent: s.agentName,
    session: s.sessionId,
    traceId: s.traceId,
    spanId: s.spanId,
    time: Number(s.startTimeUnixNano / 1_000_000n),
  };
  const context = {
    service: s.serviceName,
    span: s.name,
    status: s.statusCode,
    mode: g?.mode ?? null,
    workflow: g?.workflow ?? null,
    actorRole: g?.actorRole ?? null,
    outcome: g?.outcome ?? null,
  };
  const out: AuditEntryInput[] = [];
  if (s.kind === 'tool')
    out.push({
      ...common,
      type: 'tool.call',
      subject: s.toolName ?? s.name,
      details: { ...context, sideEffect: s.sideEffect, durationMs: durationMs(s) },
    });
  else if (s.kind === 'decision')
    out.push({
      ...common,
      type: 'decision',
      subject: s.decision?.choice ?? s.name,
      details: { ...context, decision: s.decision },
    });
  else if (s.kind === 'llm')
    out.push({
      ...common,
      type: 'llm.call',
      subject: s.model ?? s.name,
      details: {
        ...context,
        provider: s.provider,
        promptSha256: sha256(s.input),
        responseSha256: sha256(s.output),
        inputTokens: s.inputTokens,
        outputTokens: s.outputTokens,
      },
    });
  // Errors of an agent run: any failed span that belongs to an agent (or is one).
  if (s.statusCode === 'error' && (s.kind === 'agent' || s.agentName !== null))
    out.push({
      ...common,
      type: 'agent.error',
      subject: s.name,
      details: { ...context, kind: s.kind, message: s.statusMessage },
    });
  return out;
}

export function auditSink(log: AuditLog): IngestSink {
  return {
    name: 'audit',
    durable: true,
    async consume(batch) {
      const inputs: AuditEntryInput[] = [];
      for (const s of batch.spans) for (const e of spanAuditEntries(s)) inputs.push(e);
      if (inputs.length > 0) await log.appendMany(inputs);
    },
  };
}
