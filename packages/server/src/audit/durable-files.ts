/** Small synchronous file helpers whose point is durability: what they write survives a crash. */
import { shortWriteError } from '../storage-health/index.js';
import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

/** Write to a temporary file, fsync, rename over the target (a crash leaves the old or the new, never half). */
export function writeDurably(path: string, bytes: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const written = writeSync(fd, bytes);
    // short: the disk filled up; the old file stays (never renamed over by half a new one)
    if (written !== bytes.length) throw shortWriteError(tmp, written, bytes.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the files themselves are synced.
  }
}

export function truncateFile(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, length);
  fsyncSync(fd);
  closeSync(fd);
}

/** Size in bytes, 0 when the file does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
