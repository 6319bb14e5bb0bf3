/** `GET /api/audit`: entries newest first, filtered, paged by sequence number. */
import { type AuditEntry, type ErasedEntry, isErased, projectOfEntry } from './audit-entry.js';
import type { SegmentInfo } from './segment-files.js';
import { readSegmentEntries } from './segment-entries.js';

export interface AuditQuery {
  /**
   * Only entries of this project (entries from before projects count as `default`); unset: every
   * entry (the CLI and tests reading the whole log).
   */
  project?: string;
  /** With `project`: also the system entries, which belong to no project (config, retention, sign-in). */
  includeSystem?: boolean;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  type?: string;
  actor?: string;
  agent?: string;
  traceId?: string;
  /** Only entries with seq < before (pagination, newest first). */
  before?: number;
  limit?: number;
}

/** Scans segments from the newest; `size` is the durable size (entries past it are not returned). */
export function queryEntries(
  segments: readonly SegmentInfo[],
  size: number,
  q: AuditQuery,
): { entries: AuditEntry[]; nextBefore: number | null } {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const before = Math.min(q.before ?? size, size);
  const out: AuditEntry[] = [];
  for (let s = segments.length - 1; s >= 0; s--) {
    const seg = segments[s] as SegmentInfo;
    if (seg.first >= before) continue;
    const entries = readSegmentEntries(seg);
    for (let i = Math.min(entries.length, before - seg.first) - 1; i >= 0; i--) {
      const e = entries[i] as AuditEntry | ErasedEntry;
      if (isErased(e) || !matches(e, q)) continue;
      if (out.length === limit) return { entries: out, nextBefore: (out.at(-1) as AuditEntry).seq };
      out.push(e);
    }
    if (q.from !== undefined && entries.length > 0) {
      const firstLive = entries.find((e) => !isErased(e)) as AuditEntry | undefined;
      if (firstLive && Date.parse(firstLive.time) < q.from) break;
    }
  }
  return { entries: out, nextBefore: null };
}

/** Does the entry belong to `project` (or is it a system entry the caller may see)? */
export function entryVisible(e: AuditEntry, project: string, includeSystem: boolean): boolean {
  const own = projectOfEntry(e);
  return own === project || (own === null && includeSystem);
}

function matches(e: AuditEntry, q: AuditQuery): boolean {
  if (q.project !== undefined && !entryVisible(e, q.project, q.includeSystem === true)) return false;
  if (q.type !== undefined && e.type !== q.type) return false;
  if (q.actor !== undefined && e.actor !== q.actor) return false;
  if (q.agent !== undefined && e.agent !== q.agent) return false;
  if (q.traceId !== undefined && e.traceId !== q.traceId) return false;
  if (q.from !== undefined || q.to !== undefined) {
    const t = Date.parse(e.time);
    if (q.from !== undefined && t < q.from) return false;
    if (q.to !== undefined && t >= q.to) return false;
  }
  return true;
}
