/**
 * Retention: sealed segments whose newest entry is older than the cut-off lose their payload file;
 * hash files stay (the verifier accepts the gap only when a retention entry names the range).
 */
import { existsSync, unlinkSync } from 'node:fs';
import { type AuditEntry, type ErasedEntry, isErased } from './audit-entry.js';
import { syncDir } from './durable-files.js';
import { readPayload, type SegmentInfo, splitLines } from './segment-files.js';
import { segmentOf } from './segment-entries.js';

export interface SeqRange {
  from: number;
  to: number;
}

/** Ranges [from, to) of sealed segments (all but the last) whose newest entry is older than `cutoff`. */
export function expiredSegmentRanges(segments: readonly SegmentInfo[], cutoff: number): SeqRange[] {
  const ranges: SeqRange[] = [];
  for (let s = 0; s < segments.length - 1; s++) {
    const seg = segments[s] as SegmentInfo;
    const end = (segments[s + 1] as SegmentInfo).first;
    const payload = readPayload(seg);
    if (payload.kind === 'removed') continue;
    const entries = splitLines(payload.bytes).map(
      (l) => JSON.parse(l.toString()) as AuditEntry | ErasedEntry,
    );
    const newest = entries.filter((e): e is AuditEntry => !isErased(e)).at(-1);
    if (newest && Date.parse(newest.time) >= cutoff) continue;
    ranges.push({ from: seg.first, to: end });
  }
  return ranges;
}

/** Deletes the payload files of the segments starting at each range's `from`. */
export function removeSegmentPayloads(
  segments: readonly SegmentInfo[],
  ranges: readonly SeqRange[],
  segmentsDir: string,
): void {
  for (const r of ranges) {
    const seg = segmentOf(segments, r.from);
    for (const p of [seg.gzPath, seg.plainPath]) if (existsSync(p)) unlinkSync(p);
  }
  syncDir(segmentsDir);
}
