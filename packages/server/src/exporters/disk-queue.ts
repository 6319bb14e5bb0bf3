/**
 * One exporter's queue on disk: append-only segment files of checksummed frames, a cursor file saying
 * where the first frame not yet shipped starts, and a bound in bytes.
 *
 * Frame: u32 payload length | u32 CRC-32 of (items, time, payload) | u32 items | f64 enqueued-at ms |
 * payload. A frame is one project's records (JSON, see records-codec.ts). On open, segments are read
 * from the cursor on; a frame whose length or checksum does not hold ends its segment (a torn write at
 * a crash: the rest of that segment is cut off and counted as lost), so what is read back is exactly
 * what was written whole.
 *
 * Durability (config `queue.fsync`): `always` fsyncs every append (each append carries every ingest
 * batch of one flush, written within milliseconds of the store commit); `interval` fsyncs at most every
 * fsyncIntervalMs on the thread pool (a power loss may lose that much; a process crash loses nothing
 * written); `never`
 * leaves it to the OS.
 *
 * The cursor moves when a batch is acknowledged, but is written at most every cursorIntervalMs
 * (100 ms). A crash therefore sends again what was acknowledged in the last interval, besides the batch
 * in flight (at-least-once at a crash, as before; receivers keyed by span id, Witness and Tempo among
 * them, keep one copy). `close` writes the cursor at once, so a clean shutdown resends nothing.
 * Segments are deleted only once a written cursor is past them.
 *
 * The cursor file is JSON padded with spaces to CURSOR_BYTES and overwritten in place (one pwrite on a
 * descriptor kept open): a temporary file renamed over it cost ~0.3–1 ms of the ingest thread per
 * write on ext4 (a rename over an existing file starts its writeback). A process crash cannot tear a
 * write of one 256-byte block; should a power loss leave it unreadable, the queue starts from its
 * oldest segment (resends, loses nothing) — the cursor was never fsynced either way.
 *
 * `peek` serves the payloads of frames appended by this process from memory (the appended buffers,
 * kept until acknowledged, at most memoryBytes of them — past that, and after a restart, they are read
 * back from the segment): reading back what was written milliseconds ago cost a read syscall and a
 * copy per frame on the ingest thread. The bytes are the same either way, the disk stays the record.
 *
 * Dropping the oldest while a batch is in flight must not lose track of what was dropped across a
 * restart, so the frames dropped right after the in-flight ones are persisted as one skip range.
 */
import {
  closeSync,
  constants,
  existsSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 20;
const SEGMENT_RE = /^(\d{12})\.seg$/;
const CURSOR_FILE = 'cursor.json';
/** The cursor record's size on disk: JSON and space padding (a head and a skip range take < 200). */
const CURSOR_BYTES = 256;

export interface Position {
  seg: number;
  off: number;
}

export interface FrameRef extends Position {
  /** Payload bytes (the frame takes FRAME_HEADER_BYTES more). */
  length: number;
  items: number;
  timeMs: number;
}

export interface DiskQueueOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  dropPolicy: 'oldest' | 'newest';
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
  /** Least time between two cursor writes (the un-written window a crash resends). @default 100 */
  cursorIntervalMs?: number;
  /**
   * Bytes of appended payloads kept in memory for `peek` (the queue holds references to the buffers
   * given to `append`; callers must not change them afterwards). @default min(maxBytes, 8 MiB)
   */
  memoryBytes?: number;
  /** Told how many records a full queue (or a corrupt tail) cost. */
  onDrop?: (items: number, reason: 'queue_full' | 'corrupt') => void;
}

/** A frame of the index, with its payload while it is kept in memory. */
interface Frame extends FrameRef {
  payload?: Buffer;
}

interface Cursor {
  head: Position;
  skip?: { from: Position; to: Position };
}

const before = (a: Position, b: Position) => a.seg < b.seg || (a.seg === b.seg && a.off < b.off);
const segName = (n: number) => `${String(n).padStart(12, '0')}.seg`;

function frameCrc(header: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(8, FRAME_HEADER_BYTES)));
}

export class DiskQueue {
  private frames: Frame[] = [];
  /** Payload bytes held in `frames` (bounded by memoryBytes). */
  private memBytes = 0;
  private readonly memMax: number;
  /** Index of the first live frame in `frames` (compacted now and then). */
  private start = 0;
  /** Frames at the head handed out by `peek` and not yet acked. */
  private inFlight = 0;
  private skip: Cursor['skip'];
  private bytes = 0;
  private items = 0;
  private writeSeg = 0;
  private writeOff = 0;
  private writeFd = -1;
  private dirty = false;
  private readonly readFds = new Map<number, number>();
  private fsyncTimer: NodeJS.Timeout | null = null;
  private fsyncPending = false;
  /** Async fsyncs in flight per fd, and fds to close once theirs are done. */
  private readonly pendingOn = new Map<number, number>();
  private readonly closeWhenSynced = new Set<number>();
  private closed = false;
  /** The head moved (an ack, a drop) since the cursor file was last written. */
  private cursorDirty = false;
  private cursorTimer: NodeJS.Timeout | null = null;
  private cursorFd = -1;
  private lastCursorWriteMs = Number.NEGATIVE_INFINITY;
  /** Segments below this one are already deleted (saves a directory listing per cursor write). */
  private deletedBelow = 0;

  private constructor(private readonly o: DiskQueueOptions) {
    this.memMax = o.memoryBytes ?? Math.min(o.maxBytes, 8 * 1024 * 1024);
  }

  static open(options: DiskQueueOptions): DiskQueue {
    const q = new DiskQueue(options);
    q.recover();
    if (options.fsync === 'interval') {
      // on libuv's thread pool: an fsync on a busy disk can take hundreds of ms, never on the event loop
      q.fsyncTimer = setInterval(() => q.syncInBackground(), options.fsyncIntervalMs);
      q.fsyncTimer.unref();
    }
    return q;
  }

  /** Records queued (in flight included). */
  get depth(): number {
    return this.items;
  }
  get sizeBytes(): number {
    return this.bytes;
  }
  get frameCount(): number {
    return this.frames.length - this.start;
  }
  /** Payload bytes kept in memory for `peek` (at most memoryBytes). */
  get memoryBytes(): number {
    return this.memBytes;
  }
  /** When the oldest queued frame was enqueued (ms), or null when empty. */
  get oldestMs(): number | null {
    return this.frameCount > 0 ? this.frames[this.start].timeMs : null;
  }

  /**
   * Appends one frame. Full queue: `newest` refuses it (false), `oldest` drops queued frames that are
   * not in flight until it fits (or refuses it if even then it cannot).
   */
  append(payload: Buffer, items: number, timeMs: number): boolean {
    if (this.closed) return false;
    const size = FRAME_HEADER_BYTES + payload.length;
    if (this.bytes + size > this.o.maxBytes) {
      if (this.o.dropPolicy === 'newest' || !this.dropOldest(size)) {
        this.o.onDrop?.(items, 'queue_full');
        return false;
      }
    }
    if (this.writeFd < 0 || (this.writeOff > 0 && this.writeOff + size > this.o.segmentBytes)) this.roll();
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(items, 8);
    header.writeDoubleLE(timeMs, 12);
    header.writeUInt32LE(frameCrc(header, payload), 4);
    // one system call for the frame (a flush appends one frame per exporter and project)
    let written = writevSync(this.writeFd, [header, payload]);
    while (written < size) {
      const rest =
        written < FRAME_HEADER_BYTES
          ? header.subarray(written)
          : payload.subarray(written - FRAME_HEADER_BYTES);
      written += writeSync(this.writeFd, rest);
    }
    const f: Frame = { seg: this.writeSeg, off: this.writeOff, length: payload.length, items, timeMs };
    // kept while there is room: in a backlog the oldest frames (shipped next) are the ones in memory
    if (this.memBytes + payload.length <= this.memMax) {
      f.payload = payload;
      this.memBytes += payload.length;
    }
    this.frames.push(f);
    this.writeOff += size;
    this.bytes += size;
    this.items += items;
    this.dirty = true;
    if (this.o.fsync === 'always') this.sync();
    return true;
  }

  /**
   * The first frames (same project, at most `maxItems` records, at least one frame) and their payloads,
   * marked in flight until `ack`. Calling it again before `ack` returns the same frames.
   */
  peek(
    maxItems: number,
    maxBytes: number,
    sameGroup: (a: Uint8Array, b: Uint8Array) => boolean,
  ): { frames: FrameRef[]; payloads: Buffer[] } {
    const frames: FrameRef[] = [];
    const payloads: Buffer[] = [];
    let items = 0;
    let bytes = 0;
    const limit = this.inFlight > 0 ? this.inFlight : Number.POSITIVE_INFINITY;
    for (let i = this.start; i < this.frames.length && frames.length < limit; i++) {
      const f = this.frames[i];
      if (
        frames.length > 0 &&
        this.inFlight === 0 &&
        (items + f.items > maxItems || bytes + f.length > maxBytes)
      )
        break;
      const payload = f.payload ?? this.read(f);
      if (frames.length > 0 && this.inFlight === 0 && !sameGroup(payloads[0], payload)) break;
      frames.push(f);
      payloads.push(payload);
      items += f.items;
      bytes += f.length;
    }
    this.inFlight = frames.length;
    return { frames, payloads };
  }

  /** The in-flight frames are done with (shipped or dead-lettered): forget them. */
  ack(): void {
    for (let i = 0; i < this.inFlight; i++) {
      const f = this.frames[this.start + i];
      this.bytes -= FRAME_HEADER_BYTES + f.length;
      this.items -= f.items;
      this.forget(f);
    }
    this.start += this.inFlight;
    this.inFlight = 0;
    this.skip = undefined;
    this.afterHeadMoved();
  }

  /** Writes the OS buffers of the open segment to disk (the fsync policy's timer calls this). */
  sync(): void {
    if (!this.dirty || this.writeFd < 0) return;
    this.dirty = false;
    try {
      fsyncSync(this.writeFd);
    } catch {
      // a failed fsync leaves the data in the page cache: the next interval tries again
      this.dirty = true;
    }
  }

  /** The interval policy's fsync, off the event loop (one at a time). */
  private syncInBackground(): void {
    if (this.fsyncPending || !this.dirty || this.writeFd < 0) return;
    this.dirty = false;
    this.fsyncPending = true;
    this.fsyncFd(this.writeFd, (err) => {
      this.fsyncPending = false;
      if (err) this.dirty = true;
    });
  }

  /** An async fsync of `fd`; a close asked for meanwhile waits for every fsync of that fd. */
  private fsyncFd(fd: number, done: (err: Error | null) => void): void {
    this.pendingOn.set(fd, (this.pendingOn.get(fd) ?? 0) + 1);
    fsync(fd, (err) => {
      const left = (this.pendingOn.get(fd) ?? 1) - 1;
      if (left > 0) this.pendingOn.set(fd, left);
      else {
        this.pendingOn.delete(fd);
        if (this.closeWhenSynced.delete(fd)) closeSync(fd);
      }
      done(err);
    });
  }

  /**
   * Closes the segment being written: fsynced first unless the policy is `never` — on the thread pool
   * for `interval` (a roll must not stall the event loop), at once for `always` and at shutdown.
   */
  private closeWriteFd(atShutdown = false): void {
    const fd = this.writeFd;
    if (fd < 0) return;
    this.writeFd = -1;
    const wasDirty = this.dirty;
    this.dirty = false;
    if (atShutdown || this.o.fsync === 'always') {
      if (wasDirty && this.o.fsync !== 'never') {
        try {
          fsyncSync(fd);
        } catch {
          // the page cache still has it
        }
      }
    } else if (wasDirty && this.o.fsync === 'interval') this.fsyncFd(fd, () => {});
    if (this.pendingOn.has(fd)) this.closeWhenSynced.add(fd);
    else closeSync(fd);
  }

  close(): void {
    if (this.closed) return;
    // a clean shutdown leaves the cursor exactly at the head: the next start resends nothing acked
    try {
      this.flushCursor();
    } catch {
      // the cursor on disk is older: the next start resends from there (at-least-once), loses nothing
    }
    this.closed = true;
    if (this.cursorTimer) clearTimeout(this.cursorTimer);
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    this.closeWriteFd(true);
    for (const fd of this.readFds.values()) closeSync(fd);
    this.readFds.clear();
    if (this.cursorFd >= 0) closeSync(this.cursorFd);
    this.cursorFd = -1;
  }

  private dropOldest(needed: number): boolean {
    // frames after the in-flight ones, oldest first
    let i = this.start + this.inFlight;
    let dropped = 0;
    while (this.bytes + needed > this.o.maxBytes && i < this.frames.length) {
      const f = this.frames[i];
      this.bytes -= FRAME_HEADER_BYTES + f.length;
      this.items -= f.items;
      this.forget(f);
      dropped += f.items;
      i++;
    }
    if (i === this.start + this.inFlight) return false;
    const to = i < this.frames.length ? this.frames[i] : { seg: this.writeSeg, off: this.writeOff };
    const from = this.frames[this.start + this.inFlight];
    this.frames.splice(this.start + this.inFlight, i - (this.start + this.inFlight));
    this.skip =
      this.inFlight === 0
        ? undefined
        : { from: this.skip?.from ?? { seg: from.seg, off: from.off }, to: { seg: to.seg, off: to.off } };
    // at once, not throttled: a restart must not send what was counted as dropped
    this.writeCursor();
    this.o.onDrop?.(dropped, 'queue_full');
    return this.bytes + needed <= this.o.maxBytes;
  }

  /** Lets go of a frame's payload in memory (acknowledged or dropped). */
  private forget(f: Frame): void {
    if (f.payload === undefined) return;
    this.memBytes -= f.length;
    f.payload = undefined;
  }

  private headPosition(): Position {
    const f = this.frames[this.start];
    return f ? { seg: f.seg, off: f.off } : { seg: this.writeSeg, off: this.writeOff };
  }

  private afterHeadMoved(): void {
    if (this.start > 1024 && this.start * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.start);
      this.start = 0;
    }
    this.cursorDirty = true;
    const wait = this.lastCursorWriteMs + (this.o.cursorIntervalMs ?? 100) - performance.now();
    if (wait <= 0) this.writeCursor();
    else if (this.cursorTimer === null) {
      this.cursorTimer = setTimeout(() => {
        this.cursorTimer = null;
        try {
          this.flushCursor();
        } catch {
          // a full disk: the cursor stays dirty and the next acknowledgement writes it (a crash meanwhile
          // resends more, nothing is lost)
        }
      }, wait);
      this.cursorTimer.unref();
    }
  }

  /** Writes the cursor now if the head moved since it was last written (the timer and `close`). */
  flushCursor(): void {
    if (this.cursorDirty && !this.closed) this.writeCursor();
  }

  /** The cursor as of now (head and skip range), then the segments it has left behind are deleted. */
  private writeCursor(): void {
    const head = this.headPosition();
    const cursor: Cursor = { head, ...(this.skip ? { skip: this.skip } : {}) };
    const json = JSON.stringify(cursor);
    const path = join(this.o.dir, CURSOR_FILE);
    if (json.length < CURSOR_BYTES) {
      const record = Buffer.alloc(CURSOR_BYTES, 0x20);
      record.write(json, 'latin1');
      record[CURSOR_BYTES - 1] = 0x0a;
      if (this.cursorFd < 0) this.cursorFd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      writeSync(this.cursorFd, record, 0, CURSOR_BYTES, 0);
    } else {
      // cannot happen with positions of 12 digits; kept so a longer cursor is still written whole
      if (this.cursorFd >= 0) closeSync(this.cursorFd);
      this.cursorFd = -1;
      writeFileSync(`${path}.tmp`, json);
      renameSync(`${path}.tmp`, path);
    }
    this.cursorDirty = false;
    this.lastCursorWriteMs = performance.now();
    if (this.cursorTimer !== null) {
      clearTimeout(this.cursorTimer);
      this.cursorTimer = null;
    }
    if (head.seg > this.deletedBelow) this.deleteBefore(head.seg);
  }

  /** Segments wholly before the written head are shipped: delete them. */
  private deleteBefore(headSeg: number): void {
    for (const [seg, fd] of this.readFds)
      if (seg < headSeg) {
        closeSync(fd);
        this.readFds.delete(seg);
      }
    for (const name of readdirSync(this.o.dir)) {
      const m = SEGMENT_RE.exec(name);
      if (m && Number(m[1]) < headSeg && Number(m[1]) !== this.writeSeg) unlinkSync(join(this.o.dir, name));
    }
    this.deletedBelow = headSeg;
  }

  private read(f: FrameRef): Buffer {
    let fd = this.readFds.get(f.seg);
    if (fd === undefined) {
      fd = openSync(join(this.o.dir, segName(f.seg)), 'r');
      this.readFds.set(f.seg, fd);
    }
    const buf = Buffer.allocUnsafe(f.length);
    readSync(fd, buf, 0, f.length, f.off + FRAME_HEADER_BYTES);
    return buf;
  }

  private roll(): void {
    this.closeWriteFd();
    this.writeSeg += 1;
    this.writeOff = 0;
    this.writeFd = openSync(join(this.o.dir, segName(this.writeSeg)), 'a');
  }

  /** Reads what is on disk back into the index (after a restart). */
  private recover(): void {
    mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
    let cursor: Cursor = { head: { seg: 0, off: 0 } };
    const cursorPath = join(this.o.dir, CURSOR_FILE);
    if (existsSync(cursorPath)) {
      try {
        cursor = JSON.parse(readFileSync(cursorPath, 'utf8')) as Cursor;
      } catch {
        // a cursor that does not parse: start from the oldest segment (resend rather than lose)
      }
    }
    this.skip = cursor.skip;
    this.deletedBelow = cursor.head.seg;
    const segs = readdirSync(this.o.dir)
      .map((n) => SEGMENT_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    let lost = 0;
    for (const seg of segs) {
      const path = join(this.o.dir, segName(seg));
      if (seg < cursor.head.seg) {
        unlinkSync(path);
        continue;
      }
      const data = readFileSync(path);
      let off = 0;
      while (off + FRAME_HEADER_BYTES <= data.length) {
        const header = data.subarray(off, off + FRAME_HEADER_BYTES);
        const length = header.readUInt32LE(0);
        const end = off + FRAME_HEADER_BYTES + length;
        if (end > data.length) break;
        const payload = data.subarray(off + FRAME_HEADER_BYTES, end);
        if (frameCrc(Buffer.from(header), payload) !== header.readUInt32LE(4)) break;
        const pos = { seg, off };
        const items = header.readUInt32LE(8);
        const skipped = cursor.skip && !before(pos, cursor.skip.from) && before(pos, cursor.skip.to);
        if (!before(pos, cursor.head) && !skipped) {
          this.frames.push({ seg, off, length, items, timeMs: header.readDoubleLE(12) });
          this.bytes += FRAME_HEADER_BYTES + length;
          this.items += items;
        }
        off = end;
      }
      if (off < data.length) {
        // a torn or corrupt tail: what follows cannot be framed; cut it so appends start clean
        lost += 1;
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, off);
        closeSync(fd);
      }
      this.writeSeg = seg;
      this.writeOff = off;
    }
    if (lost > 0) this.o.onDrop?.(0, 'corrupt');
    if (segs.length > 0 && this.writeSeg > 0) {
      this.writeFd = openSync(join(this.o.dir, segName(this.writeSeg)), 'a');
      this.writeOff = statSync(join(this.o.dir, segName(this.writeSeg))).size;
    }
  }
}
