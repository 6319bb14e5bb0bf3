/**
 * Checks a node's audit log on disk against the checkpoints it published to the shared store
 * (several nodes: docs/scale-out.md). A node's own files cannot prove they were not replaced by an
 * older copy — an older copy verifies perfectly on its own. What the store remembers can: a signed
 * checkpoint of size S the node once published means its log must still hold at least S entries whose
 * tree has that root. Read-only: the log is not repaired or locked (fine beside a running node).
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Checkpoint, checkpointSignatureValid } from './checkpoint.js';
import { HASH_SIZE, MerkleTree } from './merkle-tree.js';
import { LOG_META_FILE, listSegments, SEGMENTS_DIR } from './segment-files.js';

export interface PublishedCheckReport {
  ok: boolean;
  logId: string | null;
  /** Leaves on disk. */
  localSize: number;
  /** Published checkpoints of this log that were checked. */
  checked: number;
  /** The largest published size (0 when none). */
  largestPublished: number;
  /** The first problem found, in words that say what it means. */
  problem: string | null;
}

/** The log's id (from log.json), or null when the directory holds no log. */
export function auditLogId(auditDir: string): string | null {
  const meta = join(auditDir, LOG_META_FILE);
  if (!existsSync(meta)) return null;
  return (JSON.parse(readFileSync(meta, 'utf8')) as { logId: string }).logId;
}

/** The Merkle tree of the leaf hashes on disk, read as they are. */
function treeOnDisk(auditDir: string): MerkleTree {
  const tree = new MerkleTree();
  for (const seg of listSegments(join(auditDir, SEGMENTS_DIR))) {
    const hashes = readFileSync(seg.hashesPath);
    for (let o = 0; o + HASH_SIZE <= hashes.length; o += HASH_SIZE)
      tree.appendLeafHash(hashes.subarray(o, o + HASH_SIZE));
  }
  return tree;
}

/**
 * `published`: the checkpoints the store holds for this log (any order). Each must carry a valid
 * signature of `publicKey` (else the store row is not the node's), be no larger than the log on disk
 * (else entries were removed: a rollback or truncation), and match the disk's root at its size (else
 * the first entries were rewritten).
 */
export function checkAgainstPublished(
  auditDir: string,
  publicKey: KeyObject,
  published: readonly Checkpoint[],
): PublishedCheckReport {
  const logId = auditLogId(auditDir);
  if (logId === null)
    return {
      ok: false,
      logId,
      localSize: 0,
      checked: 0,
      largestPublished: 0,
      problem: `no audit log at ${auditDir}`,
    };
  const mine = [...published].filter((c) => c.logId === logId).sort((a, b) => b.size - a.size);
  const tree = treeOnDisk(auditDir);
  const report = (problem: string | null, checked: number): PublishedCheckReport => ({
    ok: problem === null,
    logId,
    localSize: tree.size,
    checked,
    largestPublished: mine[0]?.size ?? 0,
    problem,
  });
  for (let i = 0; i < mine.length; i++) {
    const c = mine[i];
    const when = new Date(c.timestamp).toISOString();
    if (!checkpointSignatureValid(c, publicKey))
      return report(
        `the store holds a checkpoint of size ${c.size} (${when}) whose signature is not this node's key`,
        i,
      );
    if (c.size > tree.size)
      return report(
        `rolled back: the log on disk holds ${tree.size} entries, but the node published a signed checkpoint of ${c.size} entries at ${when} — entries were removed (an older copy of the disk, or a truncation)`,
        i,
      );
    const root = tree.root(c.size).toString('hex');
    if (root !== c.rootHash)
      return report(
        `rewritten: the first ${c.size} entries on disk have root ${root}, but the node published ${c.rootHash} for them at ${when}`,
        i,
      );
  }
  return report(null, mine.length);
}
