import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as tar from 'tar';
import { loadPublicKey, PUBLIC_KEY_FILE, verifyAuditLog } from '../audit/index.js';
import { type BackupManifest, listFiles, MANIFEST_FILE, sha256File } from './manifest.js';

export interface RestoreReport {
  ok: boolean;
  dataDir: string;
  files: number;
  store: { spans: number; logs: number };
  audit: { entries: number; checkpoints: number; rootHash: string } | null;
  manifest: BackupManifest;
  /** What did not match, when ok is false. */
  problems: string[];
}

/**
 * Unpacks a `witness backup` archive into an empty (or new) data directory, then checks it: every
 * file against the manifest's sha256, the audit log with the full verifier (Merkle tree, checkpoint
 * signatures, consistency), and the span and log counts of the restored store against the manifest.
 * A non-empty target is refused before anything is written.
 */
export async function restoreBackup(options: { from: string; dataDir: string }): Promise<RestoreReport> {
  const dataDir = resolve(options.dataDir);
  if (!existsSync(options.from)) throw new Error(`no backup archive at ${options.from}`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    throw new Error(`refusing to restore into ${dataDir}: it is not empty (restore into a new directory)`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await tar.x({ file: options.from, cwd: dataDir, strict: true });
  const manifestPath = join(dataDir, MANIFEST_FILE);
  if (!existsSync(manifestPath))
    throw new Error(`${options.from} holds no ${MANIFEST_FILE}: not a witness backup`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BackupManifest;
  if (manifest.format !== 'witness-backup/1')
    throw new Error(`unknown backup format "${String(manifest.format)}"`);
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const full = join(dataDir, f.path);
    if (!existsSync(full)) problems.push(`${f.path}: missing from the archive`);
    else if (sha256File(full) !== f.sha256) problems.push(`${f.path}: sha256 differs from the manifest`);
  }
  for (const p of listFiles(dataDir))
    if (p !== MANIFEST_FILE && !listed.has(p)) problems.push(`${p}: in the archive but not in the manifest`);

  let audit: RestoreReport['audit'] = null;
  if (manifest.audit) {
    const keyPath = join(dataDir, 'keys', PUBLIC_KEY_FILE);
    if (!existsSync(keyPath)) problems.push(`no audit public key at keys/${PUBLIC_KEY_FILE}`);
    else {
      const report = await verifyAuditLog({
        auditDir: join(dataDir, 'audit'),
        publicKey: loadPublicKey(keyPath),
      });
      if (!report.ok) problems.push(`audit log does not verify: ${report.problem?.message}`);
      else if (report.entries !== manifest.audit.size || report.rootHash !== manifest.audit.rootHash)
        problems.push(
          `audit log has ${report.entries} entries, root ${report.rootHash}; the manifest says ${manifest.audit.size}, root ${manifest.audit.rootHash}`,
        );
      audit = { entries: report.entries, checkpoints: report.checkpoints, rootHash: report.rootHash };
    }
  }

  const store = await countStore(join(dataDir, 'witness.duckdb'));
  if (store.spans !== manifest.store.spans || store.logs !== manifest.store.logs)
    problems.push(
      `the store holds ${store.spans} spans and ${store.logs} logs; the manifest says ${manifest.store.spans} and ${manifest.store.logs}`,
    );
  return {
    ok: problems.length === 0,
    dataDir,
    files: manifest.files.length,
    store,
    audit,
    manifest,
    problems,
  };
}

async function countStore(path: string): Promise<{ spans: number; logs: number }> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const rows = (
      await conn.runAndReadAll(
        'SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM logs) AS logs',
      )
    ).getRowObjects() as Array<{ spans: bigint; logs: bigint }>;
    return { spans: Number(rows[0].spans), logs: Number(rows[0].logs) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
