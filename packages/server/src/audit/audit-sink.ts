/**
 * The ingest side of the audit trail: a durable sink (awaited before the OTLP 200) that turns each
 * span that matters into one audit entry. LLM calls are recorded by reference — trace/span id and
 * SHA-256 of prompt and response — never the text, so the log holds no prompt content to erase.
 */
import { hash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROJECT } from '@witness/protocol';
import type { IngestSink } from '../ingest/types.js';
import type { SpanRecord } from '../model/index.js';
import type { AuditEntry, AuditEntryInput } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';
import { inCanonicalOrder, sortKeys } from './canonical-json.js';
import { listSegments, readPayload, SEGMENTS_DIR, splitLines } from './segment-files.js';

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
export function spanAuditEntries(
  s: SpanRecord,
  out: AuditEntryInput[] = [],
  project: string | null = null,
): AuditEntryInput[] {
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
    project,
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

/** Entry types made from spans (what `spanAuditEntries` writes): the ones with a span identity. */
const SPAN_ENTRY_TYPES = new Set(['tool.call', 'decision', 'llm.call', 'agent.error']);

/** A span's identity as one string: (project, trace id, span id); no project id holds '/'. */
export const spanKey = (project: string, traceId: string, spanId: string): string =>
  `${project}/${traceId}/${spanId}`;

export interface SpanIdentity {
  project: string;
  traceId: string;
  spanId: string;
}

export interface AuditSinkOptions {
  /**
   * Spans audited but not yet stored held in memory at most (they pile up only while the store
   * fails); past it the oldest are forgotten and would be audited again if retried.
   * @default 1_000_000
   */
  maxUnstored?: number;
}

/**
 * The audit as a durable ingest sink, idempotent per span. The pipeline hands it only spans the store
 * does not hold, before storing them, so a stored span is an audited one. What it must remember itself
 * is the other case: audited, then the store write failed (or the process died). It keeps those
 * identities (with their entry's sequence number) until the store reports them stored, and skips
 * them when the client retries, so each span identity is audited once.
 */
export class AuditSink implements IngestSink {
  readonly name = 'audit';
  readonly durable = true;
  /** Audited, not (yet) stored: span key → sequence number of its first entry. */
  private readonly unstored = new Map<string, number>();
  /** Log sizes when each appendMany in flight started: its entries all have seq ≥ that. */
  private readonly inFlight = new Set<{ from: number }>();
  private readonly maxUnstored: number;
  /** Spans forgotten past `maxUnstored` (a retry would audit them again). */
  forgotten = 0;

  constructor(
    readonly log: AuditLog,
    options: AuditSinkOptions = {},
  ) {
    this.maxUnstored = options.maxUnstored ?? 1_000_000;
  }

  async consume(batch: { project: string; spans: SpanRecord[] }): Promise<void> {
    const inputs: AuditEntryInput[] = [];
    const unstored = this.unstored;
    const project = batch.project;
    for (const s of batch.spans) {
      if (unstored.size > 0 && unstored.has(spanKey(project, s.traceId, s.spanId))) continue;
      spanAuditEntries(s, inputs, project);
    }
    if (inputs.length === 0) return;
    const token = { from: this.log.size };
    this.inFlight.add(token);
    try {
      // One appendMany per ingest batch: one queue item, one promise, one group commit for all of it.
      this.remember(await this.log.appendMany(inputs));
    } finally {
      this.inFlight.delete(token);
    }
  }

  stored(project: string, spans: readonly SpanRecord[]): void {
    if (this.unstored.size === 0) return;
    for (const s of spans) this.unstored.delete(spanKey(project, s.traceId, s.spanId));
  }

  /** Spans audited and not known stored (tests, and the rebuild at open). */
  get unstoredCount(): number {
    return this.unstored.size;
  }

  /**
   * Every span entry with a sequence number below this has its span stored: what a restart must
   * re-read from the log to know what was audited but not stored. Written to disk now and then.
   */
  watermark(): number {
    let w = this.log.size;
    for (const t of this.inFlight) if (t.from < w) w = t.from;
    for (const seq of this.unstored.values()) if (seq < w) w = seq;
    return w;
  }

  /** Adds entries of spans audited and not (known) stored. */
  remember(
    entries: readonly (
      | AuditEntry
      | {
          seq: number;
          traceId?: string | null;
          spanId?: string | null;
          type?: string;
          project?: string | null;
        }
    )[],
  ): void {
    for (const e of entries) {
      if (!e.traceId || !e.spanId || !SPAN_ENTRY_TYPES.has(e.type ?? '')) continue;
      // span entries written before projects existed belong to `default`
      const key = spanKey(e.project ?? DEFAULT_PROJECT, e.traceId, e.spanId);
      if (!this.unstored.has(key)) this.unstored.set(key, e.seq);
    }
    // Past the bound, forget the oldest (Map order is insertion order).
    for (const key of this.unstored.keys()) {
      if (this.unstored.size <= this.maxUnstored) break;
      this.unstored.delete(key);
      this.forgotten++;
    }
  }
}

export function auditSink(log: AuditLog, options?: AuditSinkOptions): AuditSink {
  return new AuditSink(log, options);
}

interface WatermarkFile {
  logId: string;
  watermark: number;
}

export interface PersistentAuditSinkOptions extends AuditSinkOptions {
  /** The audit log's directory (its segments are read for the tail past the watermark). */
  dir: string;
  /** Where the watermark is kept between runs. */
  watermarkPath: string;
  /** Which of these span identities the store holds (keys made by `spanKey`). */
  storedOf: (ids: SpanIdentity[]) => Promise<Set<string>>;
  /** How often the watermark is written while running. @default 5000 */
  intervalMs?: number;
}

/**
 * An `AuditSink` that survives restarts and crashes: at open it re-reads the log's entries from the
 * saved watermark on, and remembers those whose span the store does not hold (audited, then the
 * store write failed or the process died before it committed). The watermark is saved every few
 * seconds and at close; an older one only means a longer tail to read.
 */
export async function openAuditSink(
  log: AuditLog,
  options: PersistentAuditSinkOptions,
): Promise<AuditSink & { close(): void }> {
  const sink = new AuditSink(log, options) as AuditSink & { close(): void };
  let from = 0;
  try {
    const saved = JSON.parse(readFileSync(options.watermarkPath, 'utf8')) as WatermarkFile;
    if (saved.logId === log.logId && Number.isSafeInteger(saved.watermark)) from = saved.watermark;
  } catch {
    // none yet (first run) or unreadable: read the whole log once
  }
  const tail = readSpanEntriesFrom(options.dir, from, log.size);
  if (tail.length > 0) {
    const project = (e: SpanEntry) => e.project ?? DEFAULT_PROJECT;
    const stored = await options.storedOf(
      tail.map((e) => ({ project: project(e), traceId: e.traceId, spanId: e.spanId })),
    );
    sink.remember(tail.filter((e) => !stored.has(spanKey(project(e), e.traceId, e.spanId))));
  }
  let saved = -1;
  const save = () => {
    const watermark = sink.watermark();
    if (watermark === saved) return;
    const tmp = `${options.watermarkPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ logId: log.logId, watermark } satisfies WatermarkFile));
    renameSync(tmp, options.watermarkPath);
    saved = watermark;
  };
  save();
  const timer = setInterval(() => {
    try {
      save();
    } catch {
      // best effort: an old watermark only makes the next start read more of the log
    }
  }, options.intervalMs ?? 5000);
  timer.unref();
  sink.close = () => {
    clearInterval(timer);
    try {
      save();
    } catch {
      // as above: a data dir made read-only must not stop the shutdown before the audit log's final
      // checkpoint and the store's close
    }
  };
  return sink;
}

type SpanEntry = AuditEntry & { traceId: string; spanId: string };

/** Span entries with seq in [from, to) read from the segments (erased payloads have no identity left). */
function readSpanEntriesFrom(dir: string, from: number, to: number): SpanEntry[] {
  if (from >= to) return [];
  const segments = listSegments(join(dir, SEGMENTS_DIR));
  const out: SpanEntry[] = [];
  for (let i = 0; i < segments.length; i++) {
    const next = segments[i + 1];
    if (next !== undefined && next.first <= from) continue;
    const payload = readPayload(segments[i]);
    if (payload.kind === 'removed') continue;
    for (const line of splitLines(payload.bytes)) {
      const e = JSON.parse(line.toString('utf8')) as AuditEntry;
      if (e.seq < from || e.seq >= to || !e.traceId || !e.spanId || !SPAN_ENTRY_TYPES.has(e.type)) continue;
      out.push(e as SpanEntry);
    }
  }
  return out;
}
