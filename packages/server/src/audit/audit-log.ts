/**
 * The durable audit log: one writer per directory. This class ties the parts together — group commit
 * (group-commit.ts) onto the active segment (segment-writer.ts), crash recovery (recover-segments.ts),
 * signed checkpoints (checkpoint-log.ts), reads and proofs, retention (expired-segments.ts) and GDPR
 * erasure (erase-subject.ts).
 *
 * What must stay true:
 * - an append resolves only after its payload line AND its leaf hash are fsynced (group commit: one
 *   fsync pair per group of concurrent appends);
 * - the in-memory tree holds only durable leaves, so a checkpoint never signs an entry a crash can lose;
 * - hash files are append-only; payloads may be erased, hashes never.
 */
import { createHash, hash as oneShotHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AuditEntry,
  type AuditEntryInput,
  ERASURE_TYPE,
  type ErasedEntry,
  entryJson,
  makeEntryChecked,
  RETENTION_TYPE,
} from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointLog } from './checkpoint-log.js';
import { writeDurably } from './durable-files.js';
import { findSubjectEntries, rewriteErased } from './erase-subject.js';
import { expiredSegmentRanges, removeSegmentPayloads } from './expired-segments.js';
import { type Group, GroupCommit } from './group-commit.js';
import { HASH_SIZE, MerkleTree } from './merkle-tree.js';
import { type AuditQuery, queryEntries } from './query-entries.js';
import { recoverSegments } from './recover-segments.js';
import { LOG_META_FILE, listSegments, SEGMENTS_DIR } from './segment-files.js';
import { readLeafHashes, readSegmentEntries, segmentOf } from './segment-entries.js';
import { SegmentWriter } from './segment-writer.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';

export type { AuditQuery } from './query-entries.js';

const DAY_MS = 86_400_000;
const CONFIG_FILE = 'config.json';

export interface AuditLogOptions {
  /** <data-dir>/audit */
  dir: string;
  /** Where the signing key lives when `keyFile` is not set. */
  keysDir: string;
  /** Private key file (PKCS#8 PEM); its public half is written to `<keyFile>.pub`. @default <keysDir>/audit-ed25519.key */
  keyFile?: string | null;
  /** Seal the active segment past this many payload bytes. @default 64 MiB */
  segmentMaxBytes?: number;
  /** Seal the active segment when the UTC day changes. @default true */
  rotateDaily?: boolean;
  /** gzip sealed segments. @default true */
  compress?: boolean;
  /** Copy every sealed segment (payload + hashes) here. @default null */
  archiveDir?: string | null;
  /** Payloads of sealed segments older than this are removed by `runRetention`; 0 keeps all. @default 400 */
  retentionDays?: number;
  /** Sign a checkpoint this often while entries arrive; 0 disables the timer. @default 1000 */
  checkpointIntervalMs?: number;
  /** How often `runRetention` runs by itself; 0 disables the timer. @default 24 h */
  retentionIntervalMs?: number;
  /** Told once when a signing key is generated. */
  onKeyCreated?: (key: SigningKey) => void;
  onError?: (err: unknown) => void;
  /**
   * Told when the wall clock is found behind the last time the log used (a clock set back, an NTP
   * step): `behindMs` how far. Server-stamped times then hold at that last time until the clock
   * catches up, so they never go back in the log. Told once per jump, and with 0 when it caught up.
   */
  onClockBehind?: (behindMs: number) => void;
  /** Test-only (fault/): runs before each group's fdatasync (a slow disk). */
  beforeSync?: () => Promise<void>;
  /** Test-only (fault/): runs before each group is written; a throw fails the write. */
  beforeWrite?: () => Promise<void>;
  /** Told how long each group's fdatasync took. */
  onSync?: (seconds: number) => void;
  now?: () => number;
}

export class AuditLog {
  readonly logId: string;
  readonly key: SigningKey;
  private readonly tree: MerkleTree;
  private readonly segmentsDir: string;
  private readonly writer: SegmentWriter;
  private readonly commit: GroupCommit;
  private readonly checkpoints: CheckpointLog;
  /** Sequence number of the next entry handed out (ahead of the tree while appends are in flight). */
  private nextSeq: number;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  /** Set while `whileQuiet` runs: group writes wait for it. */
  private paused: Promise<void> | null = null;
  private committing: Promise<void> = Promise.resolve();
  /** The latest server time the log used (entries, checkpoints): times handed out never go below it. */
  private lastNow = 0;
  private behind = false;

  private constructor(
    private readonly options: AuditLogOptions,
    logId: string,
    key: SigningKey,
    tree: MerkleTree,
    writer: SegmentWriter,
  ) {
    this.logId = logId;
    this.key = key;
    this.tree = tree;
    this.writer = writer;
    this.now = options.now ?? Date.now;
    this.segmentsDir = join(options.dir, SEGMENTS_DIR);
    this.nextSeq = tree.size;
    this.commit = new GroupCommit(
      (g) => this.commitGroup(g),
      options.onError,
      () => this.recoverFromFailedWrite(),
    );
    this.checkpoints = new CheckpointLog(options.dir);
    this.lastNow = this.checkpoints.latest()?.timestamp ?? 0;
  }

  /**
   * The server time for entries and checkpoints: the wall clock, but never earlier than a time already
   * used — a clock stepped back (by hand, by NTP, a VM restored from a snapshot) must not make the log
   * look as if later events came first. The step is reported (onClockBehind), not hidden.
   */
  private clock(): number {
    const t = this.now();
    if (t >= this.lastNow) {
      if (this.behind) {
        this.behind = false;
        this.options.onClockBehind?.(0);
      }
      this.lastNow = t;
      return t;
    }
    if (!this.behind) {
      this.behind = true;
      this.options.onClockBehind?.(this.lastNow - t);
    }
    return this.lastNow;
  }

  /**
   * A group write failed (disk full, read-only, I/O error): every entry of it and of the appends queued
   * behind it was refused, so cut the files back to the last durable group and hand out sequence
   * numbers from there again. Until this succeeds, appends are refused (GroupCommit retries it).
   */
  private async recoverFromFailedWrite(): Promise<void> {
    await this.writer.rollBack();
    this.nextSeq = this.tree.size;
  }

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const segmentsDir = join(options.dir, SEGMENTS_DIR);
    mkdirSync(segmentsDir, { recursive: true });
    const metaPath = join(options.dir, LOG_META_FILE);
    if (!existsSync(metaPath)) {
      const meta = { logId: randomBytes(16).toString('hex'), createdAt: new Date().toISOString() };
      writeFileSync(metaPath, `${JSON.stringify(meta)}\n`, { flag: 'wx' });
    }
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { logId: string };
    const key = loadOrCreateSigningKey({ keysDir: options.keysDir, keyFile: options.keyFile });
    const segments = listSegments(segmentsDir);
    // Closed 1,024-leaf chunks of the tree stay on disk (the hash files): memory does not grow with the log.
    const tree = new MerkleTree({ readLeaves: (start, count) => readLeafHashes(segments, start, count) });
    recoverSegments(segments, tree);
    // A checkpoint at every segment boundary: each sealed segment ends at a signed size, so an archive
    // of sealed segments (audit-archive/) verifies to its last entry with no unsigned tail.
    let boundary: ((size: number) => void) | undefined;
    const writer = await SegmentWriter.open(segmentsDir, segments, tree.size, {
      ...options,
      onRotate: (size) => boundary?.(size),
    });
    const log = new AuditLog(options, meta.logId, key, tree, writer);
    boundary = (size) => log.checkpointAtBoundary(size);
    await log.recordKey();
    const interval = options.checkpointIntervalMs ?? 1000;
    if (interval > 0) {
      log.timer = setInterval(() => {
        log.checkpointIfGrown().catch((err) => options.onError?.(err));
      }, interval);
      log.timer.unref();
    }
    const every = options.retentionIntervalMs ?? DAY_MS;
    if (every > 0 && (options.retentionDays ?? 400) > 0) {
      log.retentionTimer = setInterval(() => {
        log.runRetention().catch((err) => options.onError?.(err));
      }, every);
      log.retentionTimer.unref();
    }
    return log;
  }

  /** `key.created` on a new key; `key.change` when checkpoints were signed by another one. */
  private async recordKey(): Promise<void> {
    const key = this.key;
    if (key.created) {
      this.options.onKeyCreated?.(key);
      await this.append({
        type: 'key.created',
        actor: 'witness',
        subject: key.keyId,
        details: { publicKey: key.publicKeyPem, path: key.publicKeyPath },
      });
      return;
    }
    const last = this.checkpoints.latest();
    if (last && last.keyId !== key.keyId)
      await this.append({
        type: 'key.change',
        actor: 'witness',
        subject: key.keyId,
        details: { previousKeyId: last.keyId, publicKey: key.publicKeyPem },
      });
  }

  /** Durable size: entries whose append has resolved. */
  get size(): number {
    return this.tree.size;
  }

  /** Durable append: resolves with the entry (its seq) once it is on disk. */
  append(input: AuditEntryInput): Promise<AuditEntry> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const now = this.clock();
    const seq = this.nextSeq;
    let entry: AuditEntry;
    let framed: Buffer;
    try {
      const made = makeEntryChecked(seq, input, now);
      entry = made.entry;
      framed = frame(entry, made.detailsCanonical);
    } catch (err) {
      return Promise.reject(err);
    }
    // Only now is the seq taken: an entry that cannot be encoded must not leave a gap.
    this.nextSeq = seq + 1;
    // the server's clock, not the entry's time, decides the day a segment belongs to: entries made from
    // spans carry the client's span start time, and a client sending yesterday's spans between today's
    // would otherwise seal a segment at every switch
    return this.commit
      .add(seq, now, framed.subarray(1), sha256(framed.subarray(0, framed.length - 1)))
      .then(() => entry);
  }

  /**
   * Durable append of several entries (one ingest batch): they get consecutive sequence numbers, go
   * out in the same group commit, and the returned promise resolves once all of them are on disk.
   * One queue item and one promise per call rather than per entry: the ingest sink's hot path.
   */
  appendMany(inputs: AuditEntryInput[]): Promise<AuditEntry[]> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (inputs.length === 0) return Promise.resolve([]);
    const now = this.clock();
    const first = this.nextSeq;
    const entries: AuditEntry[] = new Array(inputs.length);
    const lines: Buffer[] = new Array(inputs.length);
    const hashes = Buffer.allocUnsafe(inputs.length * HASH_SIZE);
    try {
      for (let i = 0; i < inputs.length; i++) {
        const { entry, detailsCanonical } = makeEntryChecked(first + i, inputs[i] as AuditEntryInput, now);
        const framed = frame(entry, detailsCanonical);
        sha256(framed.subarray(0, framed.length - 1)).copy(hashes, i * HASH_SIZE);
        entries[i] = entry;
        lines[i] = framed.subarray(1);
      }
    } catch (err) {
      // None of the batch is taken (no seq used), like a refused single append.
      return Promise.reject(err);
    }
    this.nextSeq = first + inputs.length;
    return this.commit.add(first, now, lines, hashes).then(() => entries);
  }

  private refusal(): Error | null {
    if (this.closed) return new Error('the audit log is closed');
    const failed = this.commit.failed;
    if (failed) return new Error('the audit log failed earlier', { cause: failed });
    return null;
  }

  /** One group: written and fsynced, then (only then) its leaves join the tree. */
  private async commitGroup(g: Group): Promise<void> {
    while (this.paused) await this.paused;
    // set synchronously after the check: `whileQuiet` sees either the pause or this write
    const run = this.writeGroup(g);
    this.committing = run.catch(() => undefined);
    await run;
  }

  /**
   * Runs `fn` while no group is being written and no segment is being sealed (appends queue and wait):
   * the files under `dir` are then a consistent, whole-frame copy source (`witness backup`).
   */
  async whileQuiet<T>(fn: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    let release!: () => void;
    this.paused = new Promise<void>((r) => {
      release = r;
    });
    try {
      await this.committing;
      await this.writer.sealed();
      return await fn();
    } finally {
      this.paused = null;
      release();
    }
  }

  private async writeGroup(g: Group): Promise<void> {
    const payload = g.lines.length === 1 ? (g.lines[0] as Buffer) : Buffer.concat(g.lines);
    const hashes = g.hashes.length === 1 ? (g.hashes[0] as Buffer) : Buffer.concat(g.hashes);
    await this.writer.write(payload, hashes, g.firstSeq, g.firstTime);
    for (let o = 0; o < hashes.length; o += HASH_SIZE)
      this.tree.appendLeafHash(hashes.subarray(o, o + HASH_SIZE));
  }

  /**
   * Records a `config.change` entry when the effective configuration differs from the one recorded at
   * the previous start (kept in <audit>/config.json). Pass it without secrets.
   */
  async recordConfig(config: unknown, actor = 'witness'): Promise<AuditEntry | null> {
    const path = join(this.options.dir, CONFIG_FILE);
    const text = canonicalJson(config);
    const previous = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (previous === text) return null;
    const entry = await this.append({
      type: 'config.change',
      actor,
      subject: 'startup configuration',
      details: {
        sha256: sha256Hex(text),
        previousSha256: previous === null ? null : sha256Hex(previous),
        config: JSON.parse(text) as unknown,
      },
    });
    writeDurably(path, Buffer.from(text));
    return entry;
  }

  // ---- checkpoints -------------------------------------------------------------------------------

  latestCheckpoint(): Checkpoint | null {
    return this.checkpoints.latest();
  }

  listCheckpoints(): readonly Checkpoint[] {
    return this.checkpoints.all();
  }

  /** Signs the current durable size (on demand); appended and fsynced before it is returned. */
  async checkpoint(): Promise<Checkpoint> {
    const size = this.tree.size;
    return this.checkpoints.sign(this.logId, size, this.tree.root(size), this.key, this.clock());
  }

  /**
   * Groups are written one at a time and a group's leaves join the tree before the next is written, so
   * when the writer rotates, the tree holds exactly the entries before the new segment. Signed
   * synchronously (the checkpoint file stays in size order); an error is reported, never thrown into the write.
   */
  private checkpointAtBoundary(size: number): void {
    if (this.closed || this.tree.size !== size || size <= (this.latestCheckpoint()?.size ?? 0)) return;
    try {
      this.checkpoints.sign(this.logId, size, this.tree.root(size), this.key, this.clock());
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private async checkpointIfGrown(): Promise<void> {
    if (this.closed) return;
    if (this.tree.size > (this.latestCheckpoint()?.size ?? 0)) await this.checkpoint();
  }

  // ---- proofs and reads --------------------------------------------------------------------------

  root(size = this.tree.size): Buffer {
    return this.tree.root(size);
  }

  leafHashAt(index: number): Buffer {
    return this.tree.leafHashAt(index);
  }

  inclusionProof(index: number, size = this.tree.size): Buffer[] {
    return this.tree.inclusionProof(index, size);
  }

  consistencyProof(from: number, to = this.tree.size): Buffer[] {
    return this.tree.consistencyProof(from, to);
  }

  /** The entry at `index` (durable ones only), or null past the end. */
  getEntry(index: number): AuditEntry | ErasedEntry | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.tree.size) return null;
    const seg = segmentOf(this.writer.segments, index);
    return readSegmentEntries(seg)[index - seg.first] ?? null;
  }

  /** Newest first, filtered; `nextBefore` pages on. Scans segments from the newest. */
  query(q: AuditQuery): { entries: AuditEntry[]; nextBefore: number | null } {
    return queryEntries(this.writer.segments, this.tree.size, q);
  }

  // ---- retention and erasure ---------------------------------------------------------------------

  /**
   * Removes the payloads of sealed segments whose newest entry is older than the retention period;
   * hash files stay. Recorded as an audit entry listing the ranges removed (the verifier accepts a
   * missing payload only when such an entry covers it).
   */
  async runRetention(actor = 'witness'): Promise<AuditEntry | null> {
    const days = this.options.retentionDays ?? 400;
    if (days <= 0) return null;
    await this.writer.sealed();
    const cutoff = this.now() - days * DAY_MS;
    const ranges = expiredSegmentRanges(this.writer.segments, cutoff);
    // Record first, then delete: a crash in between leaves payloads that the entry says are gone,
    // which the verifier accepts; the reverse would leave a gap nothing authorises.
    const entry = await this.append({
      type: RETENTION_TYPE,
      actor,
      subject: null,
      details: { retentionDays: days, cutoff: new Date(cutoff).toISOString(), removed: ranges },
    });
    removeSegmentPayloads(this.writer.segments, ranges, this.segmentsDir);
    return entry;
  }

  /**
   * GDPR erasure of one data subject: every entry whose actor or user is `subject` loses its payload
   * (sealed segments are rewritten with `{erased, seq}` placeholders; the active one is sealed first).
   * The erasure is itself an entry listing the sequence numbers, so the verifier can tell erasure from
   * tampering. With `project`, only that project's entries are erased, and the erasure entry is that
   * project's (the API always passes the caller's; the CLI may erase across the whole log).
   */
  async erase(subject: string, actor: string, project?: string): Promise<AuditEntry> {
    if (!subject) throw new Error('erasure needs a data subject');
    await this.commit.drained();
    const size = this.tree.size;
    this.writer.rotateBeforeNextWrite();
    const hits = findSubjectEntries([...this.writer.segments], subject, size, project);
    const entry = await this.append({
      type: ERASURE_TYPE,
      actor,
      project: project ?? null,
      // The subject is personal data: record only its hash, so the erasure entry is not itself a leak.
      subject: null,
      details: { subjectSha256: sha256Hex(subject), erased: [...hits.values()].flat() },
    });
    await this.writer.sealed();
    rewriteErased(hits);
    return entry;
  }

  /** Stops the timers, waits for pending appends, signs a final checkpoint, closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.commit.drained();
    await this.writer.sealed();
    if (!this.commit.failed && this.tree.size > (this.latestCheckpoint()?.size ?? -1))
      await this.checkpoint();
    this.closed = true;
    await this.writer.close();
    this.checkpoints.close();
  }
}

/** One buffer [0x00 ‖ entry ‖ '\n']: the leaf-hash input and the payload line without extra copies. */
function frame(entry: AuditEntry, detailsCanonical: boolean): Buffer {
  const text = entryJson(entry, detailsCanonical);
  const n = Buffer.byteLength(text);
  const framed = Buffer.allocUnsafe(n + 2);
  framed[0] = 0;
  framed.write(text, 1);
  framed[n + 1] = 10;
  return framed;
}

function sha256(bytes: Buffer): Buffer {
  return oneShotHash('sha256', bytes, 'buffer') as Buffer;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
