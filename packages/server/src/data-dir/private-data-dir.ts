/**
 * The data directory holds prompts, completions and tool arguments in plain text (the DuckDB file and
 * its WAL, audit segments) and the audit signing key: only Witness's own user may read it.
 *
 * New files get 0600 from the process umask that `witness serve` sets (0o077; DuckDB creates its files
 * natively, so a mode argument cannot reach them). This module handles what exists already: it creates
 * the directory 0700 and takes group and other bits off the directory and everything in it, so a data
 * dir written by an older Witness (0755 / 0644) is closed on the next start.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateDataDirResult {
  /** Paths whose mode was tightened (empty on every start after the first). */
  tightened: string[];
  /** Paths that could not be tightened (owned by another user, e.g. lost+found on a volume root). */
  failed: { path: string; error: string }[];
}

/** Group and other permission bits: what must be off. */
const SHARED_BITS = 0o077;

function tighten(path: string, mode: number, result: PrivateDataDirResult): void {
  if ((mode & SHARED_BITS) === 0) return;
  try {
    chmodSync(path, mode & 0o700);
    result.tightened.push(path);
  } catch (err) {
    result.failed.push({ path, error: err instanceof Error ? err.message : String(err) });
  }
}

function walk(dir: string, result: PrivateDataDirResult): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    result.failed.push({ path: dir, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    // symlinks point outside what Witness created: leave them and their targets alone
    if (!st || st.isSymbolicLink()) continue;
    tighten(path, st.mode, result);
    if (st.isDirectory()) walk(path, result);
  }
}

/** Creates `dir` 0700 if missing; otherwise removes group/other bits from it and all it holds. */
export function makeDataDirPrivate(dir: string): PrivateDataDirResult {
  const result: PrivateDataDirResult = { tightened: [], failed: [] };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir); // follows a symlinked data dir to the directory itself
  tighten(dir, st.mode, result);
  walk(dir, result);
  return result;
}

/** The umask `witness serve` sets so every file it creates is 0600 and every directory 0700. */
export const PRIVATE_UMASK = 0o077;
