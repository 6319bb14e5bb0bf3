import { describe, expect, it } from 'vitest';
import { shortWriteError, storageErrnoOf, storageProblem } from './storage-errors.js';

describe('storageErrnoOf', () => {
  it('reads Node errno codes, through causes', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(storageErrnoOf(enospc)).toBe('ENOSPC');
    expect(storageErrnoOf(new Error('the audit log failed earlier', { cause: enospc }))).toBe('ENOSPC');
    expect(storageErrnoOf(Object.assign(new Error('x'), { code: 'EROFS' }))).toBe('EROFS');
    expect(storageErrnoOf(shortWriteError('f', 3, 10))).toBe('ENOSPC');
  });

  it("reads DuckDB's strerror text", () => {
    expect(
      storageErrnoOf(
        new Error(
          'TransactionContext Error: Failed to commit: Could not write file "/d/witness.duckdb.wal": No space left on device',
        ),
      ),
    ).toBe('ENOSPC');
    expect(storageErrnoOf(new Error('IO Error: Cannot open file "x": Read-only file system'))).toBe('EROFS');
    expect(storageErrnoOf(new Error('IO Error: Cannot open file "x": Permission denied'))).toBe('EACCES');
  });

  it('leaves other failures alone', () => {
    expect(storageErrnoOf(new Error('the store did not commit within 10000 ms'))).toBeNull();
    expect(storageErrnoOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeNull();
    expect(storageErrnoOf(null)).toBeNull();
  });

  it('says what to do', () => {
    expect(storageProblem('ENOSPC')).toMatch(/free disk space/);
    expect(storageProblem('EROFS')).toMatch(/remount it read-write/);
  });
});
