/** Small synchronous file helpers whose point is durability: what they write survives a crash. */
import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

/** Write to a temporary file, fsync, rename over the target (a crash leaves the old or the new, never half). */
export function writeDurably(path: string, bytes: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, bytes);
  fsyncSync(fd);
  closeSync(fd);
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
