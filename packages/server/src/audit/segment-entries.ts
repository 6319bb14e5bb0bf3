/** Reading entries back from segment files (the API's reads, erasure and retention). */
import type { AuditEntry, ErasedEntry } from './audit-entry.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { fileSize } from './durable-files.js';
import { HASH_SIZE } from './merkle-tree.js';
import { readPayload, type SegmentInfo, splitLines } from './segment-files.js';

/** The segment holding entry `index` (segments in order, the first starting at 0). */
export function segmentOf(segments: readonly SegmentInfo[], index: number): SegmentInfo {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid] as SegmentInfo).first <= index) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo] as SegmentInfo;
}

/**
 * `count` leaf hashes from entry `start` on, back to back, read from the segments' hash files (which
 * are append-only and never rewritten): what the Merkle tree reads back for a proof into a closed
 * chunk. The range may span segments; it must lie within the durable entries.
 */
export function readLeafHashes(segments: readonly SegmentInfo[], start: number, count: number): Buffer {
  const out = Buffer.allocUnsafe(count * HASH_SIZE);
  let done = 0;
  while (done < count) {
    const index = start + done;
    const seg = segmentOf(segments, index);
    const next = segments[segments.indexOf(seg) + 1];
    const n = Math.min(count - done, next === undefined ? count - done : next.first - index);
    const fd = openSync(seg.hashesPath, 'r');
    try {
      const want = n * HASH_SIZE;
      let got = 0;
      while (got < want) {
        const r = readSync(
          fd,
          out,
          done * HASH_SIZE + got,
          want - got,
          (index - seg.first) * HASH_SIZE + got,
        );
        if (r === 0) throw new Error(`${seg.hashesPath} ends before leaf ${index + got / HASH_SIZE}`);
        got += r;
      }
    } finally {
      closeSync(fd);
    }
    done += n;
  }
  return out;
}

/** Every entry of a segment; a segment whose payload retention removed reads as erased placeholders. */
export function readSegmentEntries(seg: SegmentInfo): (AuditEntry | ErasedEntry)[] {
  const payload = readPayload(seg);
  if (payload.kind === 'removed') {
    const count = fileSize(seg.hashesPath) / HASH_SIZE;
    return Array.from({ length: count }, (_, i) => ({ seq: seg.first + i, erased: true as const }));
  }
  return splitLines(payload.bytes).map((l) => JSON.parse(l.toString('utf8')) as AuditEntry | ErasedEntry);
}
