import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import type { AuditLog } from '../audit/index.js';
import type { DuckDbStore } from '../store/duckdb/index.js';
import { type BackupManifest, describeFiles, MANIFEST_FILE } from './manifest.js';

export interface BackupSources {
  dataDir: string;
  /** The node's DuckDB store (spans, logs, its own tables). */
  store: DuckDbStore;
  /** null when audit is off. */
  audit: AuditLog | null;
  /** The API keys file (auth.keysFile or <data-dir>/api-keys.json); copied if it exists. */
  keysFile: string;
}

/**
 * Writes a backup archive (tar.gz) of a running node into a fresh staging directory under the data
 * dir and returns the archive's path and manifest; the caller streams it and calls `cleanup`.
 *
 * Consistency: the audit log is held quiet (appends wait) while the store is copied with one
 * COPY FROM DATABASE between commit groups and the audit files are copied. Ingest acknowledges a
 * batch only after both its audit entries and its store commit are durable, so every batch
 * acknowledged before the backup started is in both copies; a batch accepted meanwhile may be in
 * the audit copy and not the store (its audit entries are taken first), never the other way.
 * Batches waiting in the spool are not in the store copy (docs/backup.md).
 */
export async function createBackup(src: BackupSources): Promise<{
  archive: string;
  manifest: BackupManifest;
  cleanup: () => void;
}> {
  const work = mkdtempSync(join(src.dataDir, '.backup-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const stage = join(work, 'stage');
    mkdirSync(stage, { mode: 0o700 });
    const take = async () => {
      const counts = await src.store.snapshotTo(join(stage, 'witness.duckdb'));
      let audit: BackupManifest['audit'] = null;
      if (src.audit) {
        const cp = await src.audit.checkpoint();
        cpSync(join(src.dataDir, 'audit'), join(stage, 'audit'), { recursive: true });
        audit = { logId: src.audit.logId, size: cp.size, rootHash: cp.rootHash };
      }
      return { counts, audit };
    };
    const { counts, audit } = src.audit ? await src.audit.whileQuiet(take) : await take();
    const keysDir = join(src.dataDir, 'keys');
    if (existsSync(keysDir)) cpSync(keysDir, join(stage, 'keys'), { recursive: true });
    if (existsSync(src.keysFile)) cpSync(src.keysFile, join(stage, 'api-keys.json'));
    const manifest: BackupManifest = {
      format: 'witness-backup/1',
      createdAt: new Date().toISOString(),
      store: counts,
      audit,
      files: describeFiles(stage),
    };
    writeFileSync(join(stage, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const archive = join(work, 'backup.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: stage, portable: true }, [
      MANIFEST_FILE,
      ...manifest.files.map((f) => f.path),
    ]);
    return { archive, manifest, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
