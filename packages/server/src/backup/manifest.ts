import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The archive's table of contents, `manifest.json` at its root. */
export interface BackupManifest {
  format: 'witness-backup/1';
  createdAt: string;
  /** Counts in the DuckDB snapshot (`witness.duckdb` in the archive). */
  store: { spans: number; logs: number };
  /** The audit log as copied: its size (entries), the Merkle root at that size and its log id. */
  audit: { logId: string; size: number; rootHash: string } | null;
  /** Every other file of the archive, with its sha256 (hex) and size. */
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

export const MANIFEST_FILE = 'manifest.json';

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every regular file under `root` (relative, '/'-separated), sorted. */
export function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(root, full));
    else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
  return out.sort();
}

export function describeFiles(root: string): BackupManifest['files'] {
  return listFiles(root)
    .filter((p) => p !== MANIFEST_FILE)
    .map((path) => {
      const full = join(root, path);
      return { path, bytes: statSync(full).size, sha256: sha256File(full) };
    });
}
