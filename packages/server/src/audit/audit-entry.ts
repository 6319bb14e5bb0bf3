/**
 * One audit entry and its bytes. The leaf is the RFC 8785 canonical JSON of the whole entry (sequence
 * number included), so the same facts always hash the same and an entry cannot move to another index.
 */
import { canonicalJson, inCanonicalOrder as isSorted, sortKeys } from './canonical-json.js';

export type AuditEntryType =
  | 'tool.call'
  | 'decision'
  | 'agent.error'
  | 'llm.call'
  | 'config.change'
  | 'key.created'
  | 'key.change'
  | 'audit.erasure'
  | 'audit.retention'
  | (string & {});

export interface AuditEntryInput {
  type: AuditEntryType;
  /** Who acted: a person, service account or agent. */
  actor: string | null;
  /** What the action was about (tool name, config key, data subject…). */
  subject: string | null;
  /** The data subject (end user) the entry is about: what GDPR erasure matches, besides actor. */
  user?: string | null;
  agent?: string | null;
  session?: string | null;
  traceId?: string | null;
  spanId?: string | null;
  details?: Record<string, unknown>;
  /**
   * The project the entry belongs to: a span's or log's project, the caller's for people's actions;
   * null (the default) for system entries (config changes, retention runs), which belong to none.
   */
  project?: string | null;
  /** Epoch ms; default now. */
  time?: number;
}

export interface AuditEntry {
  seq: number;
  /** ISO 8601, UTC, millisecond precision. */
  time: string;
  type: string;
  actor: string | null;
  subject: string | null;
  user: string | null;
  agent: string | null;
  session: string | null;
  traceId: string | null;
  spanId: string | null;
  details: Record<string, unknown>;
  /**
   * See AuditEntryInput.project. Absent on entries written before projects existed: read it with
   * `projectOfEntry`.
   */
  project?: string | null;
}

/** Entry types made from spans: before projects, every span was in `default`. */
const SPAN_ENTRY_TYPES = new Set(['tool.call', 'decision', 'llm.call', 'agent.error']);

/**
 * The project an entry belongs to (null: a system entry). Entries written before projects have no
 * field: span entries were `default`'s; the rest (config, keys, people's actions) count as system.
 */
export function projectOfEntry(e: AuditEntry): string | null {
  if (e.project !== undefined) return e.project;
  return SPAN_ENTRY_TYPES.has(e.type) ? 'default' : null;
}

/** What a payload line becomes after erasure or retention: the leaf hash stays in the hash file. */
export interface ErasedEntry {
  seq: number;
  erased: true;
}

export const ERASURE_TYPE = 'audit.erasure';
export const RETENTION_TYPE = 'audit.retention';

let lastMs = Number.NaN;
let lastIso = '';

/** ISO 8601 of an epoch ms; the last one is kept, since appends of one group share their clock reading. */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

export function makeEntry(seq: number, input: AuditEntryInput, now: number): AuditEntry {
  return makeEntryChecked(seq, input, now).entry;
}

/**
 * makeEntry plus whether its details were found already in canonical order (then `entryJson` may
 * skip re-checking them). Keys in sorted (RFC 8785) order, so native JSON.stringify is canonical.
 */
export function makeEntryChecked(
  seq: number,
  input: AuditEntryInput,
  now: number,
): { entry: AuditEntry; detailsCanonical: boolean } {
  let d = input.details;
  let detailsCanonical = d === undefined || isSorted(d);
  if (d !== undefined && !detailsCanonical) {
    // A sorted copy is canonical unless it holds something JSON cannot say as is (NaN, toJSON…).
    d = sortKeys(d);
    detailsCanonical = isSorted(d);
  }
  const entry: AuditEntry = {
    actor: input.actor ?? null,
    agent: input.agent ?? null,
    details: d ?? {},
    project: input.project ?? null,
    seq,
    session: input.session ?? null,
    spanId: input.spanId ?? null,
    subject: input.subject ?? null,
    time: isoTime(input.time ?? now),
    traceId: input.traceId ?? null,
    type: input.type,
    user: input.user ?? null,
  };
  return { entry, detailsCanonical };
}

/**
 * Canonical text of an entry that makeEntry built. Its top-level keys are in sorted order by
 * construction, so only the details object (already walked by makeEntry when it came in sorted)
 * and the scalar fields need checking before taking native JSON.stringify; saves a second walk of
 * the whole entry per append. Anything unusual falls back to the full canonical serialiser.
 */
export function entryJson(entry: AuditEntry, detailsCanonical: boolean): string {
  if (
    detailsCanonical &&
    typeof entry.type === 'string' &&
    isJsonScalar(entry.actor) &&
    isJsonScalar(entry.subject) &&
    isJsonScalar(entry.user) &&
    isJsonScalar(entry.agent) &&
    isJsonScalar(entry.session) &&
    isJsonScalar(entry.traceId) &&
    isJsonScalar(entry.spanId) &&
    isJsonScalar(entry.project)
  )
    return JSON.stringify(entry);
  return canonicalJson(entry);
}

function isJsonScalar(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

/** Canonical bytes of an entry (RFC 8785); the payload line is these bytes plus '\n'. */
export function encodeEntry(entry: AuditEntry | ErasedEntry): Buffer {
  return Buffer.from(canonicalJson(entry), 'utf8');
}

export function isErased(e: AuditEntry | ErasedEntry): e is ErasedEntry {
  return (e as ErasedEntry).erased === true;
}
