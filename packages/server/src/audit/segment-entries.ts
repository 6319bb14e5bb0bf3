/** Reading entries back from segment files (the API's reads, erasure and retention). */
import type { AuditEntry, ErasedEntry } from './audit-entry.js';
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

/** Every entry of a segment; a segment whose payload retention removed reads as erased placeholders. */
export function readSegmentEntries(seg: SegmentInfo): (AuditEntry | ErasedEntry)[] {
  const payload = readPayload(seg);
  if (payload.kind === 'removed') {
    const count = fileSize(seg.hashesPath) / HASH_SIZE;
    return Array.from({ length: count }, (_, i) => ({ seq: seg.first + i, erased: true as const }));
  }
  return splitLines(payload.bytes).map((l) => JSON.parse(l.toString('utf8')) as AuditEntry | ErasedEntry);
}
