/**
 * The verifier's per-entry work on one run of payload lines, free of I/O and state so that it runs
 * the same in a worker thread (large logs) or inline (small ones): the leaf hash of every line, the
 * erasure placeholders, and the erasure/retention entries (they authorise missing payloads). The
 * caller, which knows each line's index, compares the hashes with the stored ones in one pass.
 */
import { hash } from 'node:crypto';
import { type AuditEntry, ERASURE_TYPE, RETENTION_TYPE } from './audit-entry.js';
import { HASH_SIZE, leafHash } from './merkle-tree.js';
import { readPayload, type SegmentInfo } from './segment-files.js';

export interface HashedLines {
  /** Complete lines in the run. */
  count: number;
  /** SHA-256(0x00 ‖ line) of each line, back to back (placeholders' slots are zero). */
  hashes: Buffer;
  /** Erasure placeholders, flattened: line index, the seq it names, 1 if well formed else 0, … */
  placeholders: number[];
  /** Erasure entries' authorisations, flattened: line index, an erased seq, … */
  authorisedSeqs: number[];
  /** Retention entries' authorisations, flattened: line index, from, to, … */
  authorisedRanges: number[];
}

export const ERASED_PREFIX = Buffer.from('{"erased":true,');
/** Both erasure and retention types start so. */
const AUDIT_TYPE_MARK = Buffer.from('"type":"audit.');
const E = 0x65;

/** What the verifier learns from one segment's payload file. */
export type SegmentHashes =
  | { kind: 'removed' }
  | { kind: 'unreadable'; message: string }
  | ({
      kind: 'lines' /** The payload ends with a complete line (a sealed segment must). */;
      complete: boolean;
    } & HashedLines);

/** A segment's payload up to the end of its last complete line, or why there is none to hash. */
export type SegmentPayload =
  | { kind: 'removed' }
  | { kind: 'unreadable'; message: string }
  | { kind: 'bytes'; bytes: Buffer; end: number; complete: boolean };

/** Reads (and gunzips) a segment's payload: the one read both verify paths (inline, workers) start from. */
export function readSegmentLines(seg: SegmentInfo): SegmentPayload {
  let payload: ReturnType<typeof readPayload>;
  try {
    payload = readPayload(seg);
  } catch (err) {
    return { kind: 'unreadable', message: (err as Error).message };
  }
  if (payload.kind === 'removed') return { kind: 'removed' };
  const bytes = payload.bytes;
  const end = bytes.lastIndexOf(10) + 1;
  return { kind: 'bytes', bytes, end, complete: end === bytes.length };
}

/** Reads a segment's payload and hashes its lines on this thread: one job of the verifier. */
export function hashSegment(seg: SegmentInfo): SegmentHashes {
  const read = readSegmentLines(seg);
  if (read.kind !== 'bytes') return read;
  return { kind: 'lines', complete: read.complete, ...hashLines(read.bytes, 0, read.end) };
}

/**
 * Hashes the complete lines of bytes[start, end) (each ending in '\n'). The byte before each line
 * (its predecessor's '\n') is briefly set to the 0x00 leaf prefix so the line hashes in place,
 * uncopied (verification is hash-bound), and put back; only a line at offset 0 is copied.
 */
export function hashLines(bytes: Buffer, start: number, end: number): HashedLines {
  let cap = Math.max(16, ((end - start) >> 8) + 1);
  let hashes = Buffer.alloc(cap * HASH_SIZE);
  const out: HashedLines = { count: 0, hashes, placeholders: [], authorisedSeqs: [], authorisedRanges: [] };
  // Audit-typed entries are rare: find them in one scan of the run, not one search per line.
  let mark = bytes.indexOf(AUDIT_TYPE_MARK, start);
  let at = start;
  let i = 0;
  while (at < end) {
    const nl = bytes.indexOf(10, at);
    if (nl < 0 || nl >= end) break;
    if (i === cap) {
      cap *= 2;
      const grown = Buffer.alloc(cap * HASH_SIZE);
      hashes.copy(grown);
      hashes = grown;
    }
    const placeholder =
      bytes[at + 2] === E &&
      nl - at >= ERASED_PREFIX.length &&
      ERASED_PREFIX.compare(bytes, at, at + ERASED_PREFIX.length) === 0;
    if (placeholder) {
      let seq = -1;
      let ok = 0;
      try {
        const p = JSON.parse(bytes.toString('utf8', at, nl)) as { seq: number; erased: boolean };
        seq = p.seq;
        ok = Object.keys(p).length === 2 ? 1 : 0;
      } catch {
        // not JSON: reported as malformed (ok = 0)
      }
      out.placeholders.push(i, seq, ok);
    } else if (at === 0) {
      hashes.set(leafHash(bytes.subarray(0, nl)), i * HASH_SIZE);
    } else {
      const saved = bytes[at - 1] as number;
      bytes[at - 1] = 0;
      hashes.set(hash('sha256', bytes.subarray(at - 1, nl), 'buffer') as Buffer, i * HASH_SIZE);
      bytes[at - 1] = saved;
    }
    if (mark >= 0 && mark < nl) {
      if (!placeholder) collectAuthorisation(bytes.toString('utf8', at, nl), i, out);
      mark = bytes.indexOf(AUDIT_TYPE_MARK, nl + 1);
    }
    at = nl + 1;
    i++;
  }
  out.count = i;
  out.hashes = hashes.subarray(0, i * HASH_SIZE);
  return out;
}

function collectAuthorisation(text: string, line: number, out: HashedLines): void {
  let e: AuditEntry;
  try {
    e = JSON.parse(text) as AuditEntry;
  } catch {
    return; // a line that is not JSON fails its leaf hash
  }
  if (typeof e.details !== 'object' || e.details === null) return;
  if (e.type === ERASURE_TYPE)
    for (const n of (e.details.erased as number[] | undefined) ?? []) out.authorisedSeqs.push(line, n);
  if (e.type === RETENTION_TYPE)
    for (const r of (e.details.removed as { from: number; to: number }[] | undefined) ?? [])
      out.authorisedRanges.push(line, r.from, r.to);
}
