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
 * Consistency: the store is copied with one COPY FROM DATABASE between commit groups, and while no
 * group can commit yet the audit log is held quiet (appends wait) and its files are copied. A store
 * group commits only after its batches' audit entries are durable (its gates), so every batch in the
 * store copy is in the audit copy; a batch accepted meanwhile may be in the audit copy and not the
 * store, never the other way. Every batch acknowledged before the backup started is in both.
 *
 * The order matters: quieting the audit log first and then waiting for the store's commit groups
 * deadlocks under ingest, because a pending group's commit waits for an audit append that waits for
 * the quiet to end.
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
    let audit: BackupManifest['audit'] = null;
    const log = src.audit;
    const counts = await src.store.snapshotTo(join(stage, 'witness.duckdb'), async () => {
      if (!log) return;
      audit = await log.whileQuiet(async () => {
        const cp = await log.checkpoint();
        cpSync(join(src.dataDir, 'audit'), join(stage, 'audit'), { recursive: true });
        return { logId: log.logId, size: cp.size, rootHash: cp.rootHash };
      });
    });
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
