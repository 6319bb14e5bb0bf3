/**
 * The offline verifier: needs only the audit directory and the public key, opens every file read-only
 * (so it runs beside a live server) and stops at the first problem, naming it.
 *
 * Checks, in order: every payload line hashes to the leaf hash stored for its index (change, delete,
 * swap, insert, truncate show up here, by index); a missing payload (erased entry or removed segment) is
 * covered by a later erasure/retention entry; the segments are contiguous; every checkpoint's signature
 * is valid, its log id is ours, sizes and times never go back; the recomputed root at each checkpoint's
 * size equals the signed root, and each checkpoint is consistent with the one before (RFC 9162 proof).
 * Entries after the last checkpoint are reported as the unsigned tail: nothing vouches for them yet.
 *
 * Large logs are checked in worker threads (verify-pool.ts): runs of lines in parallel, and the tree
 * from complete subtrees hashed apart and joined in order, so every root is still computed exactly.
 * Results are taken in log order, so the problem reported is the one a serial pass would meet first.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Checkpoint, checkpointSignatureValid } from './checkpoint.js';
import { HASH_SIZE, MerkleTree } from './merkle-tree.js';
import { fileSize } from './durable-files.js';
import {
  LOG_META_FILE,
  listSegments,
  readCheckpointLines,
  SEGMENTS_DIR,
  type SegmentInfo,
} from './segment-files.js';
import type { HashedLines, SegmentHashes } from './verify-lines.js';
import { inlineRunner, VerifyPool, type VerifyRunner } from './verify-pool.js';
import { verifyConsistency } from './verify-proof.js';

export interface VerifyOptions {
  /** <data-dir>/audit */
  auditDir: string;
  publicKey: KeyObject;
  /** Called now and then with (entries checked, entries in total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Worker threads; 0 checks everything on the calling thread.
   * @default the machine's parallelism for logs of PARALLEL_FROM entries or more, else 0
   */
  threads?: number;
  /**
   * Every segment is sealed (an archive): the last one must match its hashes exactly too, instead of
   * being read as a live segment that may be mid-write. @default false
   */
  sealedOnly?: boolean;
}

export interface VerifyProblem {
  kind: 'entry' | 'segment' | 'checkpoint' | 'log';
  /** Entry index or checkpoint number (0-based, in file order), when the problem has one. */
  index: number | null;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  logId: string | null;
  entries: number;
  checkpoints: number;
  /** Entries after the last valid checkpoint. */
  unsignedTail: number;
  rootHash: string;
  problem: VerifyProblem | null;
}

/** Below this many entries, starting workers costs more than it saves. */
export const PARALLEL_FROM = 65_536;
/** Leaves per subtree job (a power of two). */
const SUBTREE_LEAVES = 16_384;
/** Segments being read and hashed at once, at most: bounds memory (a segment is up to ~64 MiB). */
const SEGMENTS_AHEAD = 4;

/** One segment's job, taken in log order. */
interface Step {
  first: number;
  /** Tree size where the segment starts. */
  sizeBefore: number;
  stored: Buffer;
  isLast: boolean;
  job: Promise<SegmentHashes>;
}

interface Found {
  problem: VerifyProblem;
  /** Tree size at which a serial pass met it (what the report shows). */
  size: number;
}

export async function verifyAuditLog(options: VerifyOptions): Promise<VerifyReport> {
  const { auditDir } = options;
  const metaPath = join(auditDir, LOG_META_FILE);
  if (!existsSync(metaPath))
    return reportOf(null, new MerkleTree(), 0, {
      kind: 'log',
      index: null,
      message: `no audit log at ${auditDir}`,
    });
  const logId = (JSON.parse(readFileSync(metaPath, 'utf8')) as { logId: string }).logId;

  const segments = listSegments(join(auditDir, SEGMENTS_DIR));
  // Workers boot (tens of ms each) while this thread reads the checkpoints and hash files.
  const expected = segments.reduce((n, seg) => n + Math.floor(fileSize(seg.hashesPath) / HASH_SIZE), 0);
  const threads = options.threads ?? (expected >= PARALLEL_FROM ? availableParallelism() : 0);
  const runner: VerifyRunner = threads > 0 ? new VerifyPool(threads) : inlineRunner;
  try {
    return await verifySegments(options, logId, segments, runner);
  } finally {
    await runner.close();
  }
}

async function verifySegments(
  options: VerifyOptions,
  logId: string,
  segments: SegmentInfo[],
  runner: VerifyRunner,
): Promise<VerifyReport> {
  const { auditDir, publicKey } = options;
  // Read the checkpoints first: the writer appends entries before it signs them, so every entry a
  // checkpoint read here covers is already in the segments read after.
  const cpLines = readCheckpointLines(auditDir);
  const hashFiles = segments.map((s) => readFileSync(s.hashesPath));
  const counts = hashFiles.map((h) => Math.floor(h.length / HASH_SIZE));
  const total = counts.reduce((n, c) => n + c, 0);
  // Every leaf hash in segment order: the tree's leaves (the last segment's may count fewer, below).
  const leaves = Buffer.concat(hashFiles.map((h, s) => h.subarray(0, (counts[s] as number) * HASH_SIZE)));
  const subtrees: Promise<Buffer[]>[] = [];
  for (let c = 0; (c + 1) * SUBTREE_LEAVES <= total; c++)
    subtrees.push(
      runner.subtree(leaves.subarray(c * SUBTREE_LEAVES * HASH_SIZE, (c + 1) * SUBTREE_LEAVES * HASH_SIZE)),
    );
  // Tree of the first `size` leaves: subtrees joined in order, then the rest leaf by leaf.
  const treeOf = async (size: number): Promise<MerkleTree> => {
    const tree = new MerkleTree();
    for (let c = 0; (c + 1) * SUBTREE_LEAVES <= size; c++)
      tree.appendSubtree(await (subtrees[c] as Promise<Buffer[]>));
    for (let i = tree.size; i < size; i++)
      tree.appendLeafHash(leaves.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return tree;
  };

  let done = 0;
  const steps: Step[] = [];
  let treeSize = 0;
  const missing: [from: number, to: number][] = [];
  const erasedSeqs: number[] = [];
  const authorisedRanges: [number, number][] = [];
  const authorisedSeqs = new Set<number>();
  /** Takes the oldest segment's result, as a serial pass would have met it. */
  const takeStep = async (): Promise<Found | null> => {
    const step = steps.shift() as Step;
    const r = await step.job;
    const hashCount = step.stored.length / HASH_SIZE;
    done += hashCount;
    options.onProgress?.(done, total);
    if (r.kind === 'unreadable')
      return {
        problem: {
          kind: 'segment',
          index: step.first,
          message: `segment ${step.first} cannot be read (${r.message}): it was truncated or altered`,
        },
        size: step.sizeBefore,
      };
    if (r.kind === 'removed') {
      missing.push([step.first, step.first + hashCount]);
      treeSize = step.sizeBefore + hashCount;
      return null;
    }
    const found = checkSegment(step, r, erasedSeqs, authorisedSeqs, authorisedRanges);
    if (typeof found !== 'number') return { problem: found, size: step.sizeBefore };
    treeSize = step.sizeBefore + found;
    return null;
  };
  const reportFound = async (f: Found) => reportOf(logId, await treeOf(f.size), 0, f.problem);

  let size = 0;
  let hashOffset = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s] as (typeof segments)[number];
    const count = counts[s] as number;
    if (seg.first !== size) {
      const problem: VerifyProblem = {
        kind: 'segment',
        index: seg.first,
        message: `segment ${seg.first} should start at entry ${size}: entries ${Math.min(seg.first, size)}..${Math.max(seg.first, size) - 1} are missing or duplicated`,
      };
      // A problem met earlier, in a segment still being hashed, comes first.
      while (steps.length > 0) {
        const earlier = await takeStep();
        if (earlier) return reportFound(earlier);
      }
      return reportFound({ problem, size });
    }
    steps.push({
      first: seg.first,
      sizeBefore: size,
      stored: leaves.subarray(hashOffset * HASH_SIZE, (hashOffset + count) * HASH_SIZE),
      isLast: s === segments.length - 1 && !options.sealedOnly,
      job: runner.segment(seg),
    });
    hashOffset += count;
    size += count;
    while (steps.length >= SEGMENTS_AHEAD) {
      const found = await takeStep();
      if (found) return reportFound(found);
    }
  }
  while (steps.length > 0) {
    const found = await takeStep();
    if (found) return reportFound(found);
  }
  const tree = await treeOf(treeSize);
  options.onProgress?.(tree.size, total);

  for (const seq of erasedSeqs)
    if (!authorisedSeqs.has(seq))
      return reportOf(logId, tree, 0, {
        kind: 'entry',
        index: seq,
        message: `entry ${seq}: payload removed but no erasure entry names it`,
      });
  for (const [from, to] of missing)
    if (to > from && !authorisedRanges.some(([a, b]) => a <= from && to <= b))
      return reportOf(logId, tree, 0, {
        kind: 'segment',
        index: from,
        message: `entries ${from}..${to - 1}: segment payload is missing and no retention entry removed it`,
      });
  return checkCheckpoints(logId, tree, cpLines, publicKey);
}

/**
 * One segment's lines against its stored leaf hashes: the number of entries it adds to the tree, or
 * the first problem. The live (last) segment may be mid-write — lines ahead of hashes or the reverse —
 * so only the common prefix counts; a sealed one must match exactly.
 */
function checkSegment(
  step: Step,
  result: HashedLines & { complete: boolean },
  erasedSeqs: number[],
  authorisedSeqs: Set<number>,
  authorisedRanges: [number, number][],
): number | VerifyProblem {
  const { first, stored } = step;
  const hashCount = stored.length / HASH_SIZE;
  const lineCount = result.count;
  const computed = result.hashes;
  const placeholders = result.placeholders;
  const seqs = result.authorisedSeqs;
  const ranges = result.authorisedRanges;
  // A placeholder has no leaf hash of its own to recompute: compare its slot as equal.
  for (let k = 0; k < placeholders.length; k += 3) {
    const i = placeholders[k] as number;
    if (i < hashCount) stored.copy(computed, i * HASH_SIZE, i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
  const firstDiff = (n: number): number => {
    if (computed.compare(stored, 0, n * HASH_SIZE, 0, n * HASH_SIZE) === 0) return n;
    for (let i = 0; i < n; i++)
      if (
        computed.compare(stored, i * HASH_SIZE, (i + 1) * HASH_SIZE, i * HASH_SIZE, (i + 1) * HASH_SIZE) !== 0
      )
        return i;
    return n;
  };
  if (!step.isLast && (lineCount !== hashCount || !result.complete)) {
    const at = first + firstDiff(Math.min(lineCount, hashCount));
    return {
      kind: 'entry',
      index: at,
      message: `entry ${at}: segment ${first} holds ${lineCount} entries but ${hashCount} leaf hashes (an entry was inserted, deleted or the segment truncated)`,
    };
  }
  const count = Math.min(lineCount, hashCount);
  let bad = firstDiff(count);
  let badPlaceholder = false;
  for (let k = 0; k < placeholders.length; k += 3) {
    const i = placeholders[k] as number;
    if (i >= bad) break;
    if (placeholders[k + 1] !== first + i || placeholders[k + 2] !== 1) {
      bad = i;
      badPlaceholder = true;
      break;
    }
  }
  if (bad < count) {
    const seq = first + bad;
    return {
      kind: 'entry',
      index: seq,
      message: badPlaceholder
        ? `entry ${seq}: malformed erasure placeholder`
        : `entry ${seq}: its bytes do not hash to the leaf hash recorded for index ${seq} (changed, moved or replaced)`,
    };
  }
  for (let k = 0; k < placeholders.length; k += 3)
    if ((placeholders[k] as number) < count) erasedSeqs.push(first + (placeholders[k] as number));
  for (let k = 0; k < seqs.length; k += 2)
    if ((seqs[k] as number) < count) authorisedSeqs.add(seqs[k + 1] as number);
  for (let k = 0; k < ranges.length; k += 3)
    if ((ranges[k] as number) < count)
      authorisedRanges.push([ranges[k + 1] as number, ranges[k + 2] as number]);
  return count;
}

function checkCheckpoints(
  logId: string,
  tree: MerkleTree,
  cpLines: string[],
  publicKey: KeyObject,
): VerifyReport {
  let checkpointsSeen = 0;
  const report = (problem: VerifyProblem) => reportOf(logId, tree, checkpointsSeen, problem);
  let prev: Checkpoint | null = null;
  for (let k = 0; k < cpLines.length; k++) {
    let cp: Checkpoint;
    try {
      cp = JSON.parse(cpLines[k] as string) as Checkpoint;
    } catch {
      return report({ kind: 'checkpoint', index: k, message: `checkpoint ${k}: not valid JSON` });
    }
    if (!checkpointSignatureValid(cp, publicKey))
      return report({
        kind: 'checkpoint',
        index: k,
        message: `checkpoint ${k} (size ${cp.size}): bad signature`,
      });
    checkpointsSeen = k + 1;
    if (cp.logId !== logId)
      return report({
        kind: 'checkpoint',
        index: k,
        message: `checkpoint ${k}: signed for log ${cp.logId}, not ${logId}`,
      });
    if (prev && (cp.size < prev.size || cp.timestamp < prev.timestamp))
      return report({
        kind: 'checkpoint',
        index: k,
        message: `checkpoint ${k}: goes back from size ${prev.size} to ${cp.size} (rolled back)`,
      });
    if (cp.size > tree.size)
      return report({
        kind: 'checkpoint',
        index: k,
        message: `checkpoint ${k} vouches for ${cp.size} entries but the log holds ${tree.size}: entries were removed or the log rolled back`,
      });
    const root = tree.root(cp.size);
    if (root.toString('hex') !== cp.rootHash)
      return report({
        kind: 'checkpoint',
        index: k,
        message: `checkpoint ${k} (size ${cp.size}): the log's first ${cp.size} entries do not hash to the signed root (entries and leaf hashes were altered together)`,
      });
    if (prev) {
      const proof = tree.consistencyProof(prev.size, cp.size);
      const ok = verifyConsistency(prev.size, cp.size, Buffer.from(prev.rootHash, 'hex'), root, proof);
      if (!ok)
        return report({
          kind: 'checkpoint',
          index: k,
          message: `checkpoint ${k}: not consistent with checkpoint ${k - 1}`,
        });
    }
    prev = cp;
  }
  return { ...reportOf(logId, tree, checkpointsSeen, null), unsignedTail: tree.size - (prev?.size ?? 0) };
}

function reportOf(
  logId: string | null,
  tree: MerkleTree,
  checkpoints: number,
  problem: VerifyProblem | null,
): VerifyReport {
  return {
    ok: problem === null,
    logId,
    entries: tree.size,
    checkpoints,
    unsignedTail: 0,
    rootHash: tree.root().toString('hex'),
    problem,
  };
}
