/**
 * `witness audit export`: the log as JSON Lines, read-only. The first line is the latest signed
 * checkpoint; each entry line carries its leaf hash and its inclusion proof against that checkpoint, so
 * anyone can check a single exported entry with the public key alone (entries past the checkpoint are
 * marked unsigned and carry no proof).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, ErasedEntry } from './audit-entry.js';
import type { Checkpoint } from './checkpoint.js';
import { HASH_SIZE, MerkleTree } from './merkle-tree.js';
import { listSegments, readCheckpointLines, readPayload, SEGMENTS_DIR, splitLines } from './segment-files.js';

export interface ExportOptions {
  auditDir: string;
  write: (line: string) => void;
  /** Only entries with from <= seq < to. */
  from?: number;
  to?: number;
}

export function exportAuditLog(options: ExportOptions): { entries: number; checkpoint: Checkpoint | null } {
  const cps = readCheckpointLines(options.auditDir);
  const checkpoint = cps.length > 0 ? (JSON.parse(cps.at(-1) as string) as Checkpoint) : null;
  const segments = listSegments(join(options.auditDir, SEGMENTS_DIR));
  const tree = new MerkleTree();
  const payloads: (Buffer[] | null)[] = [];
  for (const seg of segments) {
    const payload = readPayload(seg);
    const lines = payload.kind === 'removed' ? null : splitLines(payload.bytes);
    const hashes = readFileSyncSafe(seg.hashesPath);
    const count = Math.min(Math.floor(hashes.length / HASH_SIZE), lines?.length ?? Number.POSITIVE_INFINITY);
    for (let i = 0; i < count; i++) tree.appendLeafHash(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    payloads.push(lines ? lines.slice(0, count) : null);
  }
  const signedSize = checkpoint && checkpoint.size <= tree.size ? checkpoint.size : 0;
  options.write(JSON.stringify({ checkpoint }));
  let written = 0;
  const from = options.from ?? 0;
  const to = Math.min(options.to ?? tree.size, tree.size);
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s] as (typeof segments)[number];
    const lines = payloads[s];
    const end = s + 1 < segments.length ? (segments[s + 1] as typeof seg).first : tree.size;
    for (let seq = Math.max(seg.first, from); seq < Math.min(end, to); seq++) {
      const line = lines?.[seq - seg.first];
      const entry: AuditEntry | ErasedEntry = line ? JSON.parse(line.toString()) : { seq, erased: true };
      const signed = seq < signedSize;
      options.write(
        JSON.stringify({
          index: seq,
          entry,
          leafHash: tree.leafHashAt(seq).toString('hex'),
          treeSize: signed ? signedSize : null,
          inclusionProof: signed ? tree.inclusionProof(seq, signedSize).map((h) => h.toString('hex')) : null,
        }),
      );
      written++;
    }
  }
  return { entries: written, checkpoint };
}

function readFileSyncSafe(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}
