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
 */
import { hash, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEntry, ERASURE_TYPE, RETENTION_TYPE } from './audit-entry.js';
import { type Checkpoint, checkpointSignatureValid } from './checkpoint.js';
import { HASH_SIZE, leafHash, MerkleTree } from './merkle-tree.js';
import {
  LOG_META_FILE,
  listSegments,
  readCheckpointLines,
  readPayload,
  SEGMENTS_DIR,
  splitLines,
} from './segment-files.js';
import { verifyConsistency } from './verify-proof.js';

export interface VerifyOptions {
  /** <data-dir>/audit */
  auditDir: string;
  publicKey: KeyObject;
  /** Called now and then with (entries checked, entries in total). */
  onProgress?: (done: number, total: number) => void;
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

const ERASED_PREFIX = Buffer.from('{"erased":true,');
/** Both erasure and retention types start so; one scan per line instead of two. */
const AUDIT_TYPE_MARK = Buffer.from('"type":"audit.');

export function verifyAuditLog(options: VerifyOptions): VerifyReport {
  const { auditDir, publicKey } = options;
  const tree = new MerkleTree();
  let logId: string | null = null;
  let checkpointsSeen = 0;
  const report = (problem: VerifyProblem | null, tail = 0): VerifyReport => ({
    ok: problem === null,
    logId,
    entries: tree.size,
    checkpoints: checkpointsSeen,
    unsignedTail: tail,
    rootHash: tree.root().toString('hex'),
    problem,
  });

  const metaPath = join(auditDir, LOG_META_FILE);
  if (!existsSync(metaPath))
    return report({ kind: 'log', index: null, message: `no audit log at ${auditDir}` });
  logId = (JSON.parse(readFileSync(metaPath, 'utf8')) as { logId: string }).logId;

  const segments = listSegments(join(auditDir, SEGMENTS_DIR));
  // Read the checkpoints first: the writer appends entries before it signs them, so every entry a
  // checkpoint read here covers is already in the segments read after.
  const cpLines = readCheckpointLines(auditDir);
  const hashFiles = segments.map((s) => readFileSync(s.hashesPath));
  const total = hashFiles.reduce((n, h) => n + Math.floor(h.length / HASH_SIZE), 0);
  const missing: [from: number, to: number][] = [];
  const erasedSeqs: number[] = [];
  const authorisedRanges: [number, number][] = [];
  const authorisedSeqs = new Set<number>();

  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s] as (typeof segments)[number];
    const isLast = s === segments.length - 1;
    if (seg.first !== tree.size)
      return report({
        kind: 'segment',
        index: seg.first,
        message: `segment ${seg.first} should start at entry ${tree.size}: entries ${Math.min(seg.first, tree.size)}..${Math.max(seg.first, tree.size) - 1} are missing or duplicated`,
      });
    const hashes = hashFiles[s] as Buffer;
    let count = Math.floor(hashes.length / HASH_SIZE);
    let payload: ReturnType<typeof readPayload>;
    try {
      payload = readPayload(seg);
    } catch (err) {
      return report({
        kind: 'segment',
        index: seg.first,
        message: `segment ${seg.first} cannot be read (${(err as Error).message}): it was truncated or altered`,
      });
    }
    if (payload.kind === 'removed') {
      missing.push([seg.first, seg.first + count]);
    } else {
      const lines = splitLines(payload.bytes);
      // The live segment may be mid-write (lines ahead of hashes or the reverse): only the common prefix
      // is durable. Sealed segments must match exactly.
      if (isLast) count = Math.min(count, lines.length);
      else if (lines.length !== count || splitLength(lines) !== payload.bytes.length) {
        const at = firstMismatch(lines, hashes, seg.first);
        return report({
          kind: 'entry',
          index: at,
          message: `entry ${at}: segment ${seg.first} holds ${lines.length} entries but ${count} leaf hashes (an entry was inserted, deleted or the segment truncated)`,
        });
      }
      for (let i = 0; i < count; i++) {
        const line = lines[i] as Buffer;
        const seq = seg.first + i;
        const want = hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
        if (line.subarray(0, ERASED_PREFIX.length).equals(ERASED_PREFIX)) {
          const placeholder = JSON.parse(line.toString()) as { seq: number; erased: boolean };
          if (placeholder.seq !== seq || Object.keys(placeholder).length !== 2)
            return report({
              kind: 'entry',
              index: seq,
              message: `entry ${seq}: malformed erasure placeholder`,
            });
          erasedSeqs.push(seq);
        } else {
          if (!leafHashOfLine(payload.bytes, line).equals(want))
            return report({
              kind: 'entry',
              index: seq,
              message: `entry ${seq}: its bytes do not hash to the leaf hash recorded for index ${seq} (changed, moved or replaced)`,
            });
          // Only erasure/retention entries are parsed: they authorise missing payloads.
          if (line.includes(AUDIT_TYPE_MARK)) {
            const e = JSON.parse(line.toString()) as AuditEntry;
            if (e.type === ERASURE_TYPE)
              for (const n of (e.details.erased as number[] | undefined) ?? []) authorisedSeqs.add(n);
            if (e.type === RETENTION_TYPE)
              for (const r of (e.details.removed as { from: number; to: number }[] | undefined) ?? [])
                authorisedRanges.push([r.from, r.to]);
          }
        }
        if (i % 65536 === 0) options.onProgress?.(tree.size + i, total);
      }
    }
    for (let i = 0; i < count; i++) tree.appendLeafHash(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }
  options.onProgress?.(tree.size, total);

  for (const seq of erasedSeqs)
    if (!authorisedSeqs.has(seq))
      return report({
        kind: 'entry',
        index: seq,
        message: `entry ${seq}: payload removed but no erasure entry names it`,
      });
  for (const [from, to] of missing)
    if (to > from && !authorisedRanges.some(([a, b]) => a <= from && to <= b))
      return report({
        kind: 'segment',
        index: from,
        message: `entries ${from}..${to - 1}: segment payload is missing and no retention entry removed it`,
      });

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
  return report(null, tree.size - (prev?.size ?? 0));
}

/**
 * leafHash(line) without copying the line: the byte before a line is its predecessor's '\n', so it is
 * set to the 0x00 leaf prefix for the one-shot hash and put back (bench:audit: verify is hash-bound).
 */
function leafHashOfLine(all: Buffer, line: Buffer): Buffer {
  const start = line.byteOffset - all.byteOffset;
  if (start === 0) return leafHash(line);
  const saved = all[start - 1] as number;
  all[start - 1] = 0;
  const h = hash('sha256', all.subarray(start - 1, start + line.length), 'buffer') as Buffer;
  all[start - 1] = saved;
  return h;
}

function splitLength(lines: Buffer[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}

/** First index whose line does not hash to its stored leaf hash (or the first past the shorter list). */
function firstMismatch(lines: Buffer[], hashes: Buffer, first: number): number {
  const n = Math.min(lines.length, Math.floor(hashes.length / HASH_SIZE));
  for (let i = 0; i < n; i++) {
    const line = lines[i] as Buffer;
    if (line.subarray(0, ERASED_PREFIX.length).equals(ERASED_PREFIX)) continue;
    if (!leafHash(line).equals(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))) return first + i;
  }
  return first + n;
}
