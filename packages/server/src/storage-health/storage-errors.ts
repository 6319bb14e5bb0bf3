/**
 * Which failures are the disk's, not the request's: ENOSPC from Node's fs, or DuckDB's "Could not write
 * file …: No space left on device" (DuckDB reports errno only as strerror text). The answer decides the
 * HTTP refusal (503 + a longer Retry-After, naming the cause), the log line and the
 * witness_storage_write_errors_total{errno} counter the StorageWriteFailing alert reads.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type StorageErrno = 'ENOSPC' | 'EDQUOT' | 'EROFS' | 'EACCES' | 'EPERM' | 'EIO';

/** strerror(3) texts as glibc words them, for errors that carry only a message (DuckDB). */
const BY_TEXT: Array<[RegExp, StorageErrno]> = [
  [/no space left on device/i, 'ENOSPC'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/read-only file system/i, 'EROFS'],
  [/permission denied/i, 'EACCES'],
  [/operation not permitted/i, 'EPERM'],
  [/input\/output error/i, 'EIO'],
];

const CODES = new Set<string>(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

/** The storage errno somewhere in `err`'s cause chain (code first, then message text), or null. */
export function storageErrnoOf(err: unknown): StorageErrno | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODES.has(code)) return code as StorageErrno;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') for (const [re, errno] of BY_TEXT) if (re.test(message)) return errno;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** What the operator must do, in words a client (and the log) can show. */
export function storageProblem(errno: StorageErrno): string {
  switch (errno) {
    case 'ENOSPC':
      return 'the data directory has no space left (ENOSPC): free disk space or grow the volume';
    case 'EDQUOT':
      return "the data directory's disk quota is exceeded (EDQUOT): raise the quota or free space";
    case 'EROFS':
      return 'the data directory is on a read-only filesystem (EROFS): check the disk and remount it read-write';
    case 'EACCES':
    case 'EPERM':
      return `Witness may not write its data directory (${errno}): give the user running it write access`;
    case 'EIO':
      return 'the disk of the data directory reports I/O errors (EIO): check the disk';
  }
}

/**
 * Seconds a refused exporter is told to wait: a full or read-only disk needs a person, so clients
 * should not hammer it every second; short enough that service resumes soon after the fix.
 */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/**
 * Refuses to start on a data directory Witness cannot write (read-only mount, wrong owner), with a
 * message naming it and what to do, before anything half-opens: a probe file is created and removed.
 */
export function checkDataDirWritable(dataDir: string): void {
  const probe = join(dataDir, `.witness-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const errno = storageErrnoOf(err);
    if (!errno) throw err;
    throw new Error(
      `cannot write the data directory ${dataDir}: ${storageProblem(errno)} (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
}

/**
 * A write that wrote fewer bytes than asked: on a regular file that is the disk filling up (or a quota)
 * mid-write — the kernel reports ENOSPC only for the next write. Node's FileHandle.write/writev resolve
 * with the short count instead of retrying, so a durable log must check it, or it would count a torn
 * record as written.
 */
export function shortWriteError(what: string, written: number, expected: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(
    `${what}: wrote ${written} of ${expected} bytes (no space left on device?)`,
  );
  err.code = 'ENOSPC';
  return err;
}
