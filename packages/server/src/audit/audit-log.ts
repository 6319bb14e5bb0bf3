/**
 * The durable audit log: append with group commit, segments with rotation/compression/archival,
 * signed checkpoints, proofs, retention and GDPR erasure. One writer per directory.
 *
 * What must stay true:
 * - an append resolves only after its payload line AND its leaf hash are fsynced (group commit: one
 *   fsync pair per group of concurrent appends);
 * - the in-memory tree holds only durable leaves, so a checkpoint never signs an entry a crash can lose;
 * - hash files are append-only; payloads may be erased, hashes never.
 */
import { createHash, hash as oneShotHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type AuditEntry,
  type AuditEntryInput,
  ERASURE_TYPE,
  type ErasedEntry,
  encodeEntry,
  isErased,
  entryJson,
  makeEntryChecked,
  RETENTION_TYPE,
} from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';
import { type Checkpoint, signCheckpoint } from './checkpoint.js';
import { HASH_SIZE, leafHash, MerkleTree } from './merkle-tree.js';
import {
  CHECKPOINTS_FILE,
  LOG_META_FILE,
  listSegments,
  readCheckpointLines,
  readPayload,
  SEGMENTS_DIR,
  type SegmentInfo,
  segmentInfo,
  splitLines,
} from './segment-files.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';

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
  now?: () => number;
}

export interface AuditQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  type?: string;
  actor?: string;
  agent?: string;
  traceId?: string;
  /** Only entries with seq < before (pagination, newest first). */
  before?: number;
  limit?: number;
}

/** One appendMany call: its entries, their payload lines and their leaf hashes (32 bytes each, in order). */
interface Pending {
  entries: AuditEntry[];
  lines: Buffer[];
  hashes: Buffer;
  resolve: (e: AuditEntry[]) => void;
  reject: (err: unknown) => void;
}

interface ActiveSegment {
  info: SegmentInfo;
  payload: FileHandle;
  hashes: FileHandle;
  bytes: number;
  /** UTC day (epoch ms / DAY_MS) of its first entry, or null when empty. */
  day: number | null;
}

export class AuditLog {
  readonly logId: string;
  readonly key: SigningKey;
  private readonly tree = new MerkleTree();
  private readonly segmentsDir: string;
  private segments: SegmentInfo[];
  private active: ActiveSegment | null = null;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private nextSeq: number;
  private failed: unknown = null;
  /** Set by erasure: the next group starts a new segment, so the one holding the hits gets sealed. */
  private forceRotate = false;
  private closed = false;
  private checkpoints: Checkpoint[];
  private checkpointFd: number;
  private timer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private sealing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  private constructor(
    private readonly options: AuditLogOptions,
    meta: { logId: string },
    key: SigningKey,
  ) {
    this.logId = meta.logId;
    this.key = key;
    this.now = options.now ?? Date.now;
    this.segmentsDir = join(options.dir, SEGMENTS_DIR);
    this.segments = listSegments(this.segmentsDir);
    this.recover();
    this.nextSeq = this.tree.size;
    this.checkpoints = readCheckpointLines(options.dir).map((l) => JSON.parse(l) as Checkpoint);
    this.checkpointFd = openSync(join(options.dir, CHECKPOINTS_FILE), 'a');
  }

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    mkdirSync(join(options.dir, SEGMENTS_DIR), { recursive: true });
    const metaPath = join(options.dir, LOG_META_FILE);
    if (!existsSync(metaPath)) {
      const meta = { logId: randomBytes(16).toString('hex'), createdAt: new Date().toISOString() };
      writeFileSync(metaPath, `${JSON.stringify(meta)}\n`, { flag: 'wx' });
    }
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { logId: string };
    const key = loadOrCreateSigningKey({ keysDir: options.keysDir, keyFile: options.keyFile });
    const log = new AuditLog(options, meta, key);
    await log.openActive();
    if (key.created) {
      options.onKeyCreated?.(key);
      await log.append({
        type: 'key.created',
        actor: 'witness',
        subject: key.keyId,
        details: { publicKey: key.publicKeyPem, path: key.publicKeyPath },
      });
    } else {
      const last = log.checkpoints.at(-1);
      if (last && last.keyId !== key.keyId)
        await log.append({
          type: 'key.change',
          actor: 'witness',
          subject: key.keyId,
          details: { previousKeyId: last.keyId, publicKey: key.publicKeyPem },
        });
    }
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

  get size(): number {
    return this.tree.size;
  }

  /** Durable append: resolves with the entry (its seq) once it is on disk. */
  async append(input: AuditEntryInput): Promise<AuditEntry> {
    return (await this.appendMany([input]))[0] as AuditEntry;
  }

  /**
   * Durable append of several entries (one ingest batch): they get consecutive sequence numbers, go
   * out in the same group commit, and the returned promise resolves once all of them are on disk.
   * One queue item and one promise per call rather than per entry: the ingest sink's hot path.
   */
  appendMany(inputs: AuditEntryInput[]): Promise<AuditEntry[]> {
    if (this.closed) return Promise.reject(new Error('the audit log is closed'));
    if (this.failed) return Promise.reject(new Error('the audit log failed earlier', { cause: this.failed }));
    if (inputs.length === 0) return Promise.resolve([]);
    const now = this.now();
    const entries: AuditEntry[] = new Array(inputs.length);
    const lines: Buffer[] = new Array(inputs.length);
    const hashes = Buffer.allocUnsafe(inputs.length * HASH_SIZE);
    for (let i = 0; i < inputs.length; i++) {
      const { entry, detailsCanonical } = makeEntryChecked(this.nextSeq++, inputs[i] as AuditEntryInput, now);
      // One buffer [0x00 ‖ entry ‖ '\n']: the leaf-hash input and the payload line without extra copies.
      const text = entryJson(entry, detailsCanonical);
      const n = Buffer.byteLength(text);
      const framed = Buffer.allocUnsafe(n + 2);
      framed[0] = 0;
      framed.write(text, 1);
      framed[n + 1] = 10;
      sha256(framed.subarray(0, n + 1)).copy(hashes, i * HASH_SIZE);
      entries[i] = entry;
      lines[i] = framed.subarray(1);
    }
    const done = new Promise<AuditEntry[]>((resolve, reject) => {
      this.queue.push({ entries, lines, hashes, resolve, reject });
    });
    this.flushing ??= this.flushLoop();
    return done;
  }

  /** Group commit: everything queued while the previous group was syncing goes out with one fsync pair. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        try {
          await this.writeGroup(group);
        } catch (err) {
          this.failed = err;
          for (const p of group) p.reject(err);
          for (const p of this.queue) p.reject(err);
          this.queue = [];
          this.options.onError?.(err);
          return;
        }
        for (const p of group) {
          for (let o = 0; o < p.hashes.length; o += HASH_SIZE)
            this.tree.appendLeafHash(p.hashes.subarray(o, o + HASH_SIZE));
          p.resolve(p.entries);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeGroup(group: Pending[]): Promise<void> {
    const first = (group[0] as Pending).entries[0] as AuditEntry;
    await this.rotateIfDue(first.seq, Date.parse(first.time));
    const active = this.active as ActiveSegment;
    const payload = Buffer.concat(
      group.length === 1 ? (group[0] as Pending).lines : group.flatMap((p) => p.lines),
    );
    const hashes =
      group.length === 1 ? (group[0] as Pending).hashes : Buffer.concat(group.map((p) => p.hashes));
    await Promise.all([active.payload.write(payload), active.hashes.write(hashes)]);
    await Promise.all([active.payload.datasync(), active.hashes.datasync()]);
    active.bytes += payload.length;
    active.day ??= Math.floor(Date.parse(first.time) / DAY_MS);
  }

  private async rotateIfDue(nextSeq: number, time: number): Promise<void> {
    const a = this.active;
    if (!a || a.bytes === 0) return;
    if (this.forceRotate) {
      this.forceRotate = false;
      return this.rotate(nextSeq);
    }
    const bySize = a.bytes >= (this.options.segmentMaxBytes ?? 64 * 1024 * 1024);
    const byDay = (this.options.rotateDaily ?? true) && a.day !== null && Math.floor(time / DAY_MS) !== a.day;
    if (bySize || byDay) await this.rotate(nextSeq);
  }

  /** Seal the active segment and start one whose first entry is `nextSeq`. */
  private async rotate(nextSeq: number): Promise<void> {
    const old = this.active as ActiveSegment;
    await Promise.all([old.payload.close(), old.hashes.close()]);
    const info = segmentInfo(this.segmentsDir, nextSeq);
    this.segments.push(info);
    this.active = await this.openSegment(info);
    syncDir(this.segmentsDir);
    this.sealing = this.sealing.then(() => this.seal(old.info)).catch((err) => this.options.onError?.(err));
  }

  /** Compress (tmp + fsync + rename, so a crash leaves the plain or the gz, never half) and archive. */
  private seal(info: SegmentInfo): void {
    if ((this.options.compress ?? true) && existsSync(info.plainPath)) {
      const gz = gzipSync(readFileSync(info.plainPath));
      writeDurably(info.gzPath, gz);
      unlinkSync(info.plainPath);
      syncDir(this.segmentsDir);
    }
    const archive = this.options.archiveDir;
    if (archive) {
      mkdirSync(archive, { recursive: true });
      for (const p of [info.gzPath, info.plainPath, info.hashesPath])
        if (existsSync(p)) copyFileSync(p, join(archive, p.slice(this.segmentsDir.length + 1)));
    }
  }

  private async openSegment(info: SegmentInfo): Promise<ActiveSegment> {
    const payload = await open(info.plainPath, 'a');
    const hashes = await open(info.hashesPath, 'a');
    const bytes = (await payload.stat()).size;
    return { info, payload, hashes, bytes, day: null };
  }

  private async openActive(): Promise<void> {
    let last = this.segments.at(-1);
    if (!last || existsSync(last.gzPath) || !existsSync(last.plainPath)) {
      last = segmentInfo(this.segmentsDir, this.tree.size);
      this.segments.push(last);
    }
    this.active = await this.openSegment(last);
    const firstLine = this.active.bytes > 0 ? splitLines(readFileSync(last.plainPath))[0] : undefined;
    if (firstLine)
      this.active.day = Math.floor(
        Date.parse((JSON.parse(firstLine.toString()) as AuditEntry).time) / DAY_MS,
      );
    syncDir(this.segmentsDir);
  }

  /**
   * Crash recovery of the last segment: drop a torn payload line; keep payload and hashes the same
   * length (hashes missing for complete lines are recomputed — those lines were never acknowledged,
   * but they are whole, so keeping them loses nothing). Then load every leaf hash into the tree.
   */
  private recover(): void {
    const last = this.segments.at(-1);
    if (last && existsSync(last.plainPath) && !existsSync(last.gzPath)) {
      const bytes = readFileSync(last.plainPath);
      const lines = splitLines(bytes);
      const complete = lines.reduce((n, l) => n + l.length + 1, 0);
      const hashBytes = statSafe(last.hashesPath);
      let count = Math.floor(hashBytes / HASH_SIZE);
      if (complete !== bytes.length) truncateFile(last.plainPath, complete);
      if (count > lines.length) {
        truncateFile(last.hashesPath, lines.length * HASH_SIZE);
        count = lines.length;
      } else if (hashBytes !== count * HASH_SIZE) truncateFile(last.hashesPath, count * HASH_SIZE);
      if (count < lines.length) {
        const fd = openSync(last.hashesPath, 'a');
        for (const l of lines.slice(count)) writeSync(fd, leafHash(l));
        fsyncSync(fd);
        closeSync(fd);
      }
    }
    for (const seg of this.segments) {
      const hashes = readFileSync(seg.hashesPath);
      for (let o = 0; o + HASH_SIZE <= hashes.length; o += HASH_SIZE)
        this.tree.appendLeafHash(hashes.subarray(o, o + HASH_SIZE));
    }
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
    return this.checkpoints.at(-1) ?? null;
  }

  listCheckpoints(): readonly Checkpoint[] {
    return this.checkpoints;
  }

  /** Signs the current durable size (on demand); appended and fsynced before it is returned. */
  async checkpoint(): Promise<Checkpoint> {
    const size = this.tree.size;
    const last = this.latestCheckpoint();
    const timestamp = Math.max(this.now(), last?.timestamp ?? 0);
    const cp = signCheckpoint(
      {
        logId: this.logId,
        size,
        rootHash: this.tree.root(size).toString('hex'),
        timestamp,
        keyId: this.key.keyId,
      },
      this.key.privateKey,
    );
    writeSync(this.checkpointFd, `${JSON.stringify(cp)}\n`);
    fsyncSync(this.checkpointFd);
    this.checkpoints.push(cp);
    return cp;
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

  private segmentOf(index: number): SegmentInfo {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.segments[mid] as SegmentInfo).first <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo] as SegmentInfo;
  }

  private readSegmentEntries(seg: SegmentInfo): (AuditEntry | ErasedEntry)[] {
    const payload = readPayload(seg);
    if (payload.kind === 'removed') {
      const count = statSafe(seg.hashesPath) / HASH_SIZE;
      return Array.from({ length: count }, (_, i) => ({ seq: seg.first + i, erased: true as const }));
    }
    return splitLines(payload.bytes).map((l) => JSON.parse(l.toString('utf8')) as AuditEntry | ErasedEntry);
  }

  /** The entry at `index` (durable ones only), or null past the end. */
  getEntry(index: number): AuditEntry | ErasedEntry | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.tree.size) return null;
    const seg = this.segmentOf(index);
    return this.readSegmentEntries(seg)[index - seg.first] ?? null;
  }

  /** Newest first, filtered; `nextBefore` pages on. Scans segments from the newest. */
  query(q: AuditQuery): { entries: AuditEntry[]; nextBefore: number | null } {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const before = Math.min(q.before ?? this.tree.size, this.tree.size);
    const out: AuditEntry[] = [];
    for (let s = this.segments.length - 1; s >= 0; s--) {
      const seg = this.segments[s] as SegmentInfo;
      if (seg.first >= before) continue;
      const entries = this.readSegmentEntries(seg);
      for (let i = Math.min(entries.length, before - seg.first) - 1; i >= 0; i--) {
        const e = entries[i] as AuditEntry | ErasedEntry;
        if (isErased(e) || !matches(e, q)) continue;
        if (out.length === limit) return { entries: out, nextBefore: (out.at(-1) as AuditEntry).seq };
        out.push(e);
      }
      if (q.from !== undefined && entries.length > 0) {
        const firstLive = entries.find((e) => !isErased(e)) as AuditEntry | undefined;
        if (firstLive && Date.parse(firstLive.time) < q.from) break;
      }
    }
    return { entries: out, nextBefore: null };
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
    await this.sealing;
    const cutoff = this.now() - days * DAY_MS;
    const ranges: { from: number; to: number }[] = [];
    for (let s = 0; s < this.segments.length - 1; s++) {
      const seg = this.segments[s] as SegmentInfo;
      const end = (this.segments[s + 1] as SegmentInfo).first;
      const payload = readPayload(seg);
      if (payload.kind === 'removed') continue;
      const entries = splitLines(payload.bytes).map(
        (l) => JSON.parse(l.toString()) as AuditEntry | ErasedEntry,
      );
      const newest = entries.filter((e): e is AuditEntry => !isErased(e)).at(-1);
      if (newest && Date.parse(newest.time) >= cutoff) continue;
      ranges.push({ from: seg.first, to: end });
    }
    // Record first, then delete: a crash in between leaves payloads that the entry says are gone,
    // which the verifier accepts; the reverse would leave a gap nothing authorises.
    const entry = await this.append({
      type: RETENTION_TYPE,
      actor,
      subject: null,
      details: { retentionDays: days, cutoff: new Date(cutoff).toISOString(), removed: ranges },
    });
    for (const r of ranges) {
      const seg = this.segmentOf(r.from);
      for (const p of [seg.gzPath, seg.plainPath]) if (existsSync(p)) unlinkSync(p);
    }
    syncDir(this.segmentsDir);
    return entry;
  }

  /**
   * GDPR erasure of one data subject: every entry whose actor or user is `subject` loses its payload
   * (sealed segments are rewritten with `{erased, seq}` placeholders; the active one is sealed first).
   * The erasure is itself an entry listing the sequence numbers, so the verifier can tell erasure from
   * tampering.
   */
  async erase(subject: string, actor: string): Promise<AuditEntry> {
    if (!subject) throw new Error('erasure needs a data subject');
    while (this.flushing) await this.flushing;
    const size = this.tree.size;
    this.forceRotate = true;
    const hits = new Map<SegmentInfo, number[]>();
    for (const seg of [...this.segments]) {
      for (const e of this.readSegmentEntries(seg))
        if (e.seq < size && !isErased(e) && (e.actor === subject || e.user === subject)) {
          const list = hits.get(seg) ?? [];
          list.push(e.seq);
          hits.set(seg, list);
        }
    }
    const seqs = [...hits.values()].flat();
    const entry = await this.append({
      type: ERASURE_TYPE,
      actor,
      // The subject is personal data: record only its hash, so the erasure entry is not itself a leak.
      subject: null,
      details: { subjectSha256: sha256Hex(subject), erased: seqs },
    });
    await this.sealing;
    for (const [seg, list] of hits) {
      const drop = new Set(list);
      const lines = this.readSegmentEntries(seg).map((e) =>
        drop.has(e.seq) ? encodeEntry({ seq: e.seq, erased: true }) : encodeEntry(e),
      );
      const text = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      if (existsSync(seg.gzPath)) writeDurably(seg.gzPath, gzipSync(text));
      else writeDurably(seg.plainPath, text);
    }
    return entry;
  }

  /** Stops the timer, waits for pending appends, signs a final checkpoint, closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    while (this.flushing) await this.flushing;
    await this.sealing;
    if (!this.failed && this.tree.size > (this.latestCheckpoint()?.size ?? -1)) await this.checkpoint();
    this.closed = true;
    if (this.active) await Promise.all([this.active.payload.close(), this.active.hashes.close()]);
    closeSync(this.checkpointFd);
  }
}

function matches(e: AuditEntry, q: AuditQuery): boolean {
  if (q.type !== undefined && e.type !== q.type) return false;
  if (q.actor !== undefined && e.actor !== q.actor) return false;
  if (q.agent !== undefined && e.agent !== q.agent) return false;
  if (q.traceId !== undefined && e.traceId !== q.traceId) return false;
  if (q.from !== undefined || q.to !== undefined) {
    const t = Date.parse(e.time);
    if (q.from !== undefined && t < q.from) return false;
    if (q.to !== undefined && t >= q.to) return false;
  }
  return true;
}

function sha256(bytes: Buffer): Buffer {
  return oneShotHash('sha256', bytes, 'buffer') as Buffer;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function statSafe(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function truncateFile(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, length);
  fsyncSync(fd);
  closeSync(fd);
}

/** Write to a temporary file, fsync, rename over the target, fsync the directory. */
function writeDurably(path: string, bytes: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, bytes);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the files themselves are synced.
  }
}
