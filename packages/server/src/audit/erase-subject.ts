/**
 * GDPR erasure of one data subject's payloads. Sealed segments are rewritten with `{erased, seq}`
 * placeholders (temp file + rename); the hash files are never touched, so the tree and every old
 * checkpoint still verify. The caller records the erasure entry between finding and rewriting.
 */
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeEntry, isErased, projectOfEntry } from './audit-entry.js';
import { writeDurably } from './durable-files.js';
import type { SegmentInfo } from './segment-files.js';
import { readSegmentEntries } from './segment-entries.js';

/**
 * Sequence numbers below `size` whose actor or user is `subject`, by segment; with `project`, only
 * entries of that project and system entries (sign-ins, config: a person's own records belong to no
 * project), so an erasure asked in one project never touches another project's entries.
 */
export function findSubjectEntries(
  segments: readonly SegmentInfo[],
  subject: string,
  size: number,
  project?: string,
): Map<SegmentInfo, number[]> {
  const hits = new Map<SegmentInfo, number[]>();
  for (const seg of segments)
    for (const e of readSegmentEntries(seg))
      if (
        e.seq < size &&
        !isErased(e) &&
        (e.actor === subject || e.user === subject) &&
        (project === undefined || (projectOfEntry(e) ?? project) === project)
      ) {
        const list = hits.get(seg) ?? [];
        list.push(e.seq);
        hits.set(seg, list);
      }
  return hits;
}

/** Rewrites each (sealed) segment with placeholders in place of the listed entries. */
export function rewriteErased(hits: Map<SegmentInfo, number[]>): void {
  for (const [seg, list] of hits) {
    const drop = new Set(list);
    const lines = readSegmentEntries(seg).map((e) =>
      drop.has(e.seq) ? encodeEntry({ seq: e.seq, erased: true }) : encodeEntry(e),
    );
    const text = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    if (existsSync(seg.gzPath)) writeDurably(seg.gzPath, gzipSync(text));
    else writeDurably(seg.plainPath, text);
  }
}
