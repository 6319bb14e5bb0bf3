/**
 * A bounded, durable FIFO of ingest batches on local disk: what an ingest node acknowledges while the
 * store cannot take writes. `append` resolves only after the batch's frame is written and fdatasync'ed
 * (concurrent appends share one write + sync); `next`/`confirm` hand batches back in order, and a
 * segment file is deleted only once every batch in it was confirmed stored.
 *
 * Files under `dir`: `<n>.seg` segments of frames (frame.ts), and `replayed.json`, how far replay got
 * (segment, offset) — written after each confirmation without fsync: an older cursor after a crash
 * only replays a few batches again, which the store's idempotent append absorbs.
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestBatch } from '../store/types.js';
import { decodeBatch, encodeBatch } from './batch-codec.js';
import { shortWriteError } from '../storage-health/index.js';
import { frame, payloadOf, readFrames } from './frame.js';

export interface SpoolOptions {
  dir: string;
  /** Bytes of batches waiting at most (frames included); past it `append` throws SpoolFullError. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size. @default 16 MiB */
  segmentBytes?: number;
  /** Seconds a refused client is told to wait (Retry-After). @default 5 */
  retryAfterSeconds?: number;
  /** Told about a torn tail cut at open (crash mid-write). */
  onTornTail?: (file: string, keptBytes: number, cutBytes: number) => void;
}

/** The spool has no room for the batch: answer 503 + Retry-After (the exporter keeps its copy). */
export class SpoolFullError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'SpoolFullError';
  }
}

/** One waiting batch's place on disk. */
export interface SpoolEntry {
  segment: number;
  offset: number;
  bytes: number;
  acceptedAtMs: number;
}

interface Pending {
  parts: [Buffer, Buffer];
  acceptedAtMs: number;
  done: (err?: unknown) => void;
}

const CURSOR_FILE = 'replayed.json';
const segmentName = (n: number) => `${String(n).padStart(12, '0')}.seg`;

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory; the segment itself is synced
  }
}

export class Spool {
  private readonly entries: SpoolEntry[] = [];
  /** Waiting entries per segment: a segment with none left (and not being written) is deleted. */
  private readonly live = new Map<number, number>();
  private readonly queue: Pending[] = [];
  private waitingBytes = 0;
  /** Bytes accepted by `append` and not yet on disk (they count against maxBytes). */
  private reservedBytes = 0;
  private writing: Promise<void> | null = null;
  private current: { n: number; fh: FileHandle; size: number } | null = null;
  private nextSegment: number;
  private closed = false;
  private readonly segmentBytes: number;
  private readonly retryAfterSeconds: number;
  /** Batches appended, and refused because full, since open. */
  appended = 0;
  refused = 0;
  /** Frames cut at open (torn tails), in bytes. */
  readonly tornBytes: number;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly options: SpoolOptions,
    recovered: SpoolEntry[],
    nextSegment: number,
    tornBytes: number,
  ) {
    this.segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.nextSegment = nextSegment;
    this.tornBytes = tornBytes;
    for (const e of recovered) this.push(e);
  }

  /**
   * Opens the spool, recovering what a previous run left: every whole frame past the replay cursor
   * waits again; a torn tail (crash mid-write) is cut off by its checksum. New batches go to a new
   * segment, after the recovered ones.
   */
  static open(options: SpoolOptions): Spool {
    const dir = options.dir;
    mkdirSync(dir, { recursive: true });
    let cursor = { segment: -1, offset: 0 };
    try {
      const saved = JSON.parse(readFileSync(join(dir, CURSOR_FILE), 'utf8')) as typeof cursor;
      if (Number.isSafeInteger(saved.segment) && Number.isSafeInteger(saved.offset)) cursor = saved;
    } catch {
      // none yet, or unreadable: replay every segment from its start (the store deduplicates)
    }
    const segments = readdirSync(dir)
      .filter((f) => /^\d{12}\.seg$/.test(f))
      .map((f) => Number.parseInt(f, 10))
      .sort((a, b) => a - b);
    const recovered: SpoolEntry[] = [];
    let torn = 0;
    for (const n of segments) {
      const path = join(dir, segmentName(n));
      if (n < cursor.segment) {
        rmSync(path, { force: true }); // replayed whole; the crash came before its deletion
        continue;
      }
      const bytes = readFileSync(path);
      const { frames, validBytes } = readFrames(bytes);
      if (validBytes < bytes.length) {
        // cut the torn tail so the next run does not meet it again; nothing in it was acknowledged
        // (append resolves only after the whole frame is synced)
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, validBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        torn += bytes.length - validBytes;
        options.onTornTail?.(path, validBytes, bytes.length - validBytes);
      }
      const kept = frames.filter((f) => n > cursor.segment || f.offset >= cursor.offset);
      if (kept.length === 0) {
        rmSync(path, { force: true });
        continue;
      }
      for (const f of kept)
        recovered.push({ segment: n, offset: f.offset, bytes: f.bytes, acceptedAtMs: f.acceptedAtMs });
    }
    syncDir(dir);
    const next = segments.length > 0 ? segments[segments.length - 1] + 1 : 1;
    return new Spool(options, recovered, next, torn);
  }

  /** Batches waiting to be replayed, or being written: new batches must queue behind them. */
  get active(): boolean {
    return this.entries.length > 0 || this.queue.length > 0 || this.writing !== null;
  }

  get depth(): { batches: number; bytes: number } {
    return { batches: this.entries.length, bytes: this.waitingBytes };
  }

  /** When the oldest waiting batch was accepted (epoch ms), or null when none waits. */
  get oldestAcceptedAtMs(): number | null {
    return this.entries.length > 0 ? this.entries[0].acceptedAtMs : null;
  }

  /** The oldest waiting batch's place (the replayer sets it aside when it cannot be read). */
  get oldest(): SpoolEntry | null {
    return this.entries[0] ?? null;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Called whenever a batch lands on disk (the replayer waits on it). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Writes the batch and resolves once it is fsynced: only then may the client be answered 200.
   * Throws SpoolFullError, writing nothing, when the batch would pass `maxBytes`.
   */
  append(batch: IngestBatch, acceptedAtMs = Date.now()): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    const parts = frame(encodeBatch(batch), acceptedAtMs);
    const bytes = parts[0].length + parts[1].length;
    if (this.waitingBytes + this.reservedBytes + bytes > this.options.maxBytes) {
      this.refused++;
      return Promise.reject(
        new SpoolFullError(
          `the store is unavailable and the spool is full (${this.options.maxBytes} bytes); retry later`,
          this.retryAfterSeconds,
        ),
      );
    }
    this.reservedBytes += bytes;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ parts, acceptedAtMs, done: (err) => (err ? reject(err) : resolve()) });
      this.writing ??= this.drain();
    });
  }

  /** Group commit: everything queued goes out in one writev and one fdatasync. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.queue.length);
        const groupBytes = group.reduce((n, p) => n + p.parts[0].length + p.parts[1].length, 0);
        try {
          const seg = await this.segment();
          const start = seg.size;
          try {
            const { bytesWritten } = await seg.fh.writev(
              group.flatMap((p) => p.parts),
              start,
            );
            // short (the disk filled up mid-group): not durable; the truncate below cuts it
            if (bytesWritten !== groupBytes)
              throw shortWriteError(segmentName(seg.n), bytesWritten, groupBytes);
            await seg.fh.datasync();
          } catch (err) {
            // keep the segment whole: cut what may have been half-written, or leave it for a new one
            await seg.fh.truncate(start).catch(() => this.retire());
            throw err;
          }
          this.reservedBytes -= groupBytes;
          let at = start;
          for (const p of group) {
            const bytes = p.parts[0].length + p.parts[1].length;
            this.push({ segment: seg.n, offset: at, bytes, acceptedAtMs: p.acceptedAtMs });
            at += bytes;
          }
          seg.size = at;
          this.appended += group.length;
          if (seg.size >= this.segmentBytes) await this.retire();
          for (const p of group) p.done();
          for (const l of this.listeners) l();
        } catch (err) {
          this.reservedBytes -= groupBytes;
          for (const p of group) p.done(err);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private async segment(): Promise<{ n: number; fh: FileHandle; size: number }> {
    if (this.current) return this.current;
    const n = this.nextSegment++;
    const fh = await open(join(this.options.dir, segmentName(n)), 'w', 0o600);
    syncDir(this.options.dir); // the new file's name is durable before a frame in it is acknowledged
    this.current = { n, fh, size: 0 };
    this.live.set(n, this.live.get(n) ?? 0);
    return this.current;
  }

  /** Stops writing to the current segment (full, or failed); deletes it if nothing in it waits. */
  private async retire(): Promise<void> {
    const seg = this.current;
    if (!seg) return;
    this.current = null;
    await seg.fh.close().catch(() => {});
    if ((this.live.get(seg.n) ?? 0) === 0) this.removeSegment(seg.n);
  }

  private push(e: SpoolEntry): void {
    this.entries.push(e);
    this.waitingBytes += e.bytes;
    this.live.set(e.segment, (this.live.get(e.segment) ?? 0) + 1);
  }

  /** The oldest waiting batch (it stays waiting until `confirm`), or null. */
  next(): { entry: SpoolEntry; batch: IngestBatch } | null {
    const entry = this.entries[0];
    if (!entry) return null;
    return { entry, batch: decodeBatch(payloadOf(this.read(entry))) };
  }

  /**
   * The oldest waiting batches of one project, in order, merged into one batch (at most `maxBatches`
   * and about `maxBytes` of frames): what replay stores in one append, so draining keeps up with
   * traffic that keeps arriving behind the backlog. Throws only when the oldest cannot be read back.
   */
  nextRun(
    maxBatches = 256,
    maxBytes = 8 * 1024 * 1024,
  ): { entries: SpoolEntry[]; batch: IngestBatch } | null {
    const first = this.next();
    if (!first) return null;
    const entries = [first.entry];
    const batch: IngestBatch = {
      project: first.batch.project,
      spans: [...first.batch.spans],
      logs: [...first.batch.logs],
    };
    let bytes = first.entry.bytes;
    for (let i = 1; i < this.entries.length && entries.length < maxBatches; i++) {
      const entry = this.entries[i];
      if (bytes + entry.bytes > maxBytes) break;
      let more: IngestBatch;
      try {
        more = decodeBatch(payloadOf(this.read(entry)));
      } catch {
        break; // replayed (or set aside) when it is the oldest
      }
      if (more.project !== batch.project) break;
      for (const s of more.spans) batch.spans.push(s);
      for (const l of more.logs) batch.logs.push(l);
      entries.push(entry);
      bytes += entry.bytes;
    }
    return { entries, batch };
  }

  private read(entry: SpoolEntry): Buffer {
    const fd = openSync(join(this.options.dir, segmentName(entry.segment)), 'r');
    try {
      const buf = Buffer.allocUnsafe(entry.bytes);
      let read = 0;
      while (read < entry.bytes) {
        const n = readSync(fd, buf, read, entry.bytes - read, entry.offset + read);
        if (n === 0) throw new Error('spool segment ended inside a frame');
        read += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The store holds `entry`'s batch: it stops waiting. Its segment is deleted once nothing in it
   * waits (never before: the store confirmed every batch in it).
   */
  confirm(entry: SpoolEntry): void {
    if (this.entries[0] !== entry) throw new Error('spool entries are confirmed in order');
    this.entries.shift();
    this.waitingBytes -= entry.bytes;
    const left = (this.live.get(entry.segment) ?? 1) - 1;
    this.live.set(entry.segment, left);
    this.saveCursor(entry.segment, entry.offset + entry.bytes);
    if (left === 0 && this.current?.n !== entry.segment) this.removeSegment(entry.segment);
    // the segment being written is empty of waiting batches: start a fresh one rather than grow it
    else if (left === 0 && this.queue.length === 0 && this.writing === null) void this.retire();
  }

  /**
   * Drops the oldest waiting batch without storing it: the store refuses it for good (a bug, or data it
   * can never take). It is kept aside as `<segment>.rejected-<offset>` for an operator to look at.
   */
  discard(entry: SpoolEntry): void {
    let bytes: Buffer | null = null;
    try {
      bytes = this.read(entry);
    } catch {
      // unreadable: nothing to keep aside
    }
    if (bytes)
      writeFileSync(join(this.options.dir, `${segmentName(entry.segment)}.rejected-${entry.offset}`), bytes, {
        mode: 0o600,
      });
    this.confirm(entry);
  }

  private removeSegment(n: number): void {
    this.live.delete(n);
    rmSync(join(this.options.dir, segmentName(n)), { force: true });
  }

  private saveCursor(segment: number, offset: number): void {
    const path = join(this.options.dir, CURSOR_FILE);
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify({ segment, offset }));
      renameSync(`${path}.tmp`, path);
    } catch {
      // best effort: an older cursor replays a few batches again, which the store deduplicates
    }
  }

  /** Waits for writes in flight, then closes the segment. Waiting batches stay on disk for the next run. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    const seg = this.current;
    this.current = null;
    await seg?.fh.close().catch(() => {});
  }
}
