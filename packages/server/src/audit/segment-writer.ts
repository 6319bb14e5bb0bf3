/**
 * The active segment: where group commits land, and when it is sealed (rotation by size, by UTC day,
 * or on request before an erasure). Sealing (compress + archive) runs after the writer has moved on,
 * one segment at a time, so appends never wait for gzip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { shortWriteError } from '../storage-health/index.js';
import type { AuditEntry } from './audit-entry.js';
import { syncDir } from './durable-files.js';
import { type SealOptions, sealSegment } from './seal-segment.js';
import { type SegmentInfo, segmentInfo, splitLines } from './segment-files.js';

const DAY_MS = 86_400_000;

export interface SegmentWriterOptions extends SealOptions {
  /** Seal the active segment past this many payload bytes. @default 64 MiB */
  segmentMaxBytes?: number;
  /** Seal the active segment when the UTC day changes. @default true */
  rotateDaily?: boolean;
  onError?: (err: unknown) => void;
  /** Called as the active segment is closed, before the next one opens; `size` entries precede the new one. */
  onRotate?: (size: number) => void;
  /** Test-only (fault/): runs before each group's fdatasync (a slow disk). */
  beforeSync?: () => Promise<void>;
  /** Test-only (fault/): runs before each group is written; a throw fails the write (a read-only disk). */
  beforeWrite?: () => Promise<void>;
  /** Told how long each group's fdatasync pair took (witness_disk_sync_duration_seconds). */
  onSync?: (seconds: number) => void;
}

interface ActiveSegment {
  info: SegmentInfo;
  payload: FileHandle;
  hashes: FileHandle;
  bytes: number;
  /** Bytes of the leaf hash file that are durable (whole groups). */
  hashBytes: number;
  /** UTC day (epoch ms / DAY_MS) of its first entry, or null when empty. */
  day: number | null;
}

export class SegmentWriter {
  private forceRotate = false;
  private sealing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly segmentsDir: string,
    /** Every segment in order, the active one last; shared with the readers of the log. */
    readonly segments: SegmentInfo[],
    private active: ActiveSegment,
    private readonly options: SegmentWriterOptions,
  ) {}

  /** Opens the last segment for appending, or starts one at `size` when the last is sealed. */
  static async open(
    segmentsDir: string,
    segments: SegmentInfo[],
    size: number,
    options: SegmentWriterOptions,
  ): Promise<SegmentWriter> {
    let last = segments.at(-1);
    if (!last || existsSync(last.gzPath) || !existsSync(last.plainPath)) {
      last = segmentInfo(segmentsDir, size);
      segments.push(last);
    }
    const active = await openSegment(last);
    const firstLine = active.bytes > 0 ? splitLines(readFileSync(last.plainPath))[0] : undefined;
    if (firstLine)
      active.day = Math.floor(Date.parse((JSON.parse(firstLine.toString()) as AuditEntry).time) / DAY_MS);
    syncDir(segmentsDir);
    return new SegmentWriter(segmentsDir, segments, active, options);
  }

  /**
   * Appends one group's payload lines and leaf hashes (entries firstSeq.. in order) and fdatasyncs
   * both files; resolves only once both are durable.
   */
  async write(payload: Buffer, hashes: Buffer, firstSeq: number, firstTime: number): Promise<void> {
    await this.rotateIfDue(firstSeq, firstTime);
    const active = this.active;
    await this.options.beforeWrite?.();
    const [p, h] = await Promise.all([active.payload.write(payload), active.hashes.write(hashes)]);
    // a short write (disk full mid-group) is a failure: rollBack() cuts it off
    if (p.bytesWritten !== payload.length)
      throw shortWriteError(active.info.plainPath, p.bytesWritten, payload.length);
    if (h.bytesWritten !== hashes.length)
      throw shortWriteError(active.info.hashesPath, h.bytesWritten, hashes.length);
    const t0 = performance.now();
    await this.options.beforeSync?.(); // timed with the sync: an injected slow disk shows in the metric
    await Promise.all([active.payload.datasync(), active.hashes.datasync()]);
    this.options.onSync?.((performance.now() - t0) / 1000);
    active.bytes += payload.length;
    active.hashBytes += hashes.length;
    active.day ??= Math.floor(firstTime / DAY_MS);
  }

  /**
   * After a failed write (disk full, I/O error): cut both files back to their last whole group, so
   * nothing half-written stays between the entries before and the next ones. Shrinking needs no free
   * space; on a read-only filesystem it fails and is tried again later.
   */
  async rollBack(): Promise<void> {
    const a = this.active;
    await Promise.all([a.payload.truncate(a.bytes), a.hashes.truncate(a.hashBytes)]);
    await Promise.all([a.payload.datasync(), a.hashes.datasync()]);
  }

  /** The next write starts a new segment (erasure: the segment holding the hits must be sealed). */
  rotateBeforeNextWrite(): void {
    this.forceRotate = true;
  }

  /** Resolves once every segment sealed so far is compressed and archived. */
  sealed(): Promise<void> {
    return this.sealing;
  }

  async close(): Promise<void> {
    await this.sealing;
    await Promise.all([this.active.payload.close(), this.active.hashes.close()]);
  }

  private async rotateIfDue(nextSeq: number, time: number): Promise<void> {
    const a = this.active;
    if (a.bytes === 0) return;
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
    const old = this.active;
    // the new segment first: when it cannot be created (disk full) the old one stays active and whole
    const info = segmentInfo(this.segmentsDir, nextSeq);
    const next = await openSegment(info);
    await Promise.all([old.payload.close(), old.hashes.close()]);
    this.options.onRotate?.(nextSeq);
    this.segments.push(info);
    this.active = next;
    syncDir(this.segmentsDir);
    this.sealing = this.sealing
      .then(() => sealSegment(old.info, this.segmentsDir, this.options))
      .catch((err) => this.options.onError?.(err));
  }
}

async function openSegment(info: SegmentInfo): Promise<ActiveSegment> {
  const payload = await open(info.plainPath, 'a');
  const hashes = await open(info.hashesPath, 'a');
  const bytes = (await payload.stat()).size;
  const hashBytes = (await hashes.stat()).size;
  return { info, payload, hashes, bytes, hashBytes, day: null };
}
