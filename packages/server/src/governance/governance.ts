/**
 * The governance stage and sink. The stage (sync, in the ingest pipeline after redaction, before the
 * store) detects prescriptive language in LLM outputs, keeps each trace's running totals, evaluates the
 * policies on every span and applies `redact` actions (so a redacted span is stored redacted). The
 * durable sink then records the violations of the spans the store takes as new — in the violations
 * table and as one audit entry each, counted on /metrics — before the client is answered, so a retried
 * batch records nothing twice.
 */
import type { PolicySeverity } from '@witness/protocol';
import type { AuditEntryInput } from '../audit/index.js';
import type { IngestSink } from '../ingest/index.js';
import type { SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';
import { type PolicyMatch, PolicySet, type PolicySpec } from './policy-set.js';
import { detectPrescriptive } from './prescriptive.js';
import { spanContext } from './span-context.js';
import { TraceTotalsCache } from './trace-totals.js';
import type { Violations } from '../store/index.js';
import type { ViolationRow } from './violation-store.js';

export const PRESCRIPTIVE_ATTR = 'witness.prescriptive.types';
export const VIOLATION_AUDIT_TYPE = 'policy.violation';

export interface GovernanceOptions {
  policies: readonly PolicySpec[];
  /** Detect prescriptive language in LLM outputs. @default true */
  prescriptive?: boolean;
  /** Appends the audit entry of each violation (durably, before the batch is acknowledged). */
  audit?: { appendMany(entries: AuditEntryInput[]): Promise<unknown> } | null;
  /** Told of each violation recorded (counters). */
  onViolation?: (policy: string, severity: PolicySeverity) => void;
  /** Told of each prescriptive phrase type found in a stored LLM span. */
  onPrescriptive?: (type: string) => void;
  /** `alert` actions: told of each such violation (until alerting exists, the server logs it). */
  onAlert?: (row: ViolationRow) => void;
  /** @default 50000 */
  maxTraces?: number;
  /** Running totals of a trace idle this long are forgotten. @default 300000 */
  traceIdleMs?: number;
}

export interface Pending {
  matches: PolicyMatch[];
  prescriptive: readonly string[];
}

const byStart = (a: SpanRecord, b: SpanRecord) =>
  a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0;

export class Governance {
  private set: PolicySet;
  private readonly totals: TraceTotalsCache;
  private readonly pending = new WeakMap<SpanRecord, Pending>();
  private store: Violations | null = null;

  constructor(private readonly options: GovernanceOptions) {
    this.set = new PolicySet(options.policies);
    this.totals = new TraceTotalsCache(options.maxTraces ?? 50_000, options.traceIdleMs ?? 300_000);
  }

  get policies() {
    return this.set.policies;
  }

  get evaluationErrors(): Readonly<Record<string, number>> {
    return this.set.errors;
  }

  /** Replaces the policies; on a bad policy throws PolicyError and the old set stays in force. */
  reload(policies: readonly PolicySpec[]): void {
    this.set = new PolicySet(policies);
  }

  useStore(store: Violations): void {
    this.store = store;
  }

  /** The pipeline stage: prescriptive language, running totals, policies, `redact` actions. */
  stage(batch: IngestBatch): void {
    const spans = batch.spans;
    if (spans.length === 0) return;
    const set = this.set;
    const detect = this.options.prescriptive ?? true;
    // in start order, so an LLM output is counted before the tool call that follows it
    const ordered = spans.length > 1 ? [...spans].sort(byStart) : spans;
    for (const span of ordered) {
      const p = this.evaluateSpan(span, set, detect, batch.project);
      if (p !== null) this.pending.set(span, p);
    }
  }

  /**
   * One span through detection, totals, policies and `redact` actions; null when nothing was found.
   * Shared by the stage and `witness policy test` (dryRun), so a dry run sees what ingest would.
   */
  evaluateSpan(
    span: SpanRecord,
    set = this.set,
    detect = this.options.prescriptive ?? true,
    project = '',
  ): Pending | null {
    const prescriptive = detect && span.kind === 'llm' ? detectPrescriptive(span.output) : [];
    if (prescriptive.length > 0) span.attributes[PRESCRIPTIVE_ATTR] = prescriptive;
    const totals = this.totals.add(project, span, prescriptive);
    const matches = set.policies.length === 0 ? [] : set.evaluate(spanContext(span, totals, prescriptive));
    if (matches.length === 0 && prescriptive.length === 0) return null;
    for (const m of matches) if (m.policy.action === 'redact') redactContent(span, m.policy.name);
    return { matches, prescriptive };
  }

  /** Evaluates spans as ingest would (in start order) and returns what each matched; records nothing. */
  dryRun(
    spans: SpanRecord[],
  ): Array<{ span: SpanRecord; matches: PolicyMatch[]; prescriptive: readonly string[] }> {
    const out: Array<{ span: SpanRecord; matches: PolicyMatch[]; prescriptive: readonly string[] }> = [];
    for (const span of [...spans].sort(byStart)) {
      const p = this.evaluateSpan(span);
      out.push({ span, matches: p?.matches ?? [], prescriptive: p?.prescriptive ?? [] });
    }
    return out;
  }

  /** The durable sink: records violations of the spans new to the store. */
  readonly sink: IngestSink = {
    name: 'governance',
    durable: true,
    consume: (batch) => this.record(batch.project, batch.spans),
  };

  private async record(project: string, spans: readonly SpanRecord[]): Promise<void> {
    const rows: ViolationRow[] = [];
    for (const span of spans) {
      const p = this.pending.get(span);
      if (p === undefined) continue;
      this.pending.delete(span);
      for (const type of p.prescriptive) this.options.onPrescriptive?.(type);
      for (const { policy, matched } of p.matches) {
        rows.push({
          project,
          timeNs: span.startTimeUnixNano,
          policy: policy.name,
          severity: policy.severity,
          action: policy.action,
          traceId: span.traceId,
          spanId: span.spanId,
          spanName: span.name,
          service: span.serviceName,
          kind: span.kind,
          agent: span.agentName,
          tool: span.toolName,
          mode: span.governance?.mode ?? null,
          matched,
        });
      }
    }
    if (rows.length === 0) return;
    const entries = rows.map(
      (r): AuditEntryInput => ({
        type: VIOLATION_AUDIT_TYPE,
        project: r.project,
        actor: 'witness',
        subject: r.policy,
        agent: r.agent,
        traceId: r.traceId,
        spanId: r.spanId,
        time: Number(r.timeNs / 1_000_000n),
        details: {
          action: r.action,
          kind: r.kind,
          matched: r.matched,
          mode: r.mode,
          severity: r.severity,
          span: r.spanName,
          tool: r.tool,
        },
      }),
    );
    await Promise.all([this.options.audit?.appendMany(entries), this.store?.append(rows)]);
    for (const r of rows) {
      this.options.onViolation?.(r.policy, r.severity);
      if (r.action === 'alert') this.options.onAlert?.(r);
    }
  }
}

/** A `redact` policy's action: the span's content (input, output and the attributes that held them) goes. */
function redactContent(span: SpanRecord, policy: string): void {
  const mask = `<REDACTED:${policy}>`;
  const { input, output } = span;
  for (const key in span.attributes) {
    const v = span.attributes[key];
    if (typeof v === 'string' && v.length > 0 && (v === input || v === output)) span.attributes[key] = mask;
  }
  for (const e of span.events)
    for (const key in e.attributes) {
      const v = e.attributes[key];
      if (typeof v === 'string' && (v === input || v === output)) e.attributes[key] = mask;
    }
  if (input !== null) span.input = mask;
  if (output !== null) span.output = mask;
}
