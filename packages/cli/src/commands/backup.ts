import { createWriteStream, readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { restoreBackup } from '@witness/server';
import type { Command } from 'commander';

/*
 * `witness backup` asks the running server for a snapshot (POST /api/admin/backup, admin key): the
 * server holds the DuckDB file lock, so only it can copy the store consistently while it writes.
 * `witness restore` unpacks an archive into a new data dir offline and verifies it (docs/backup.md).
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description(
      'Write a consistent online snapshot of a running server (store, audit log, keys) to a tar.gz with a manifest',
    )
    .requiredOption('-o, --out <file>', 'the archive to write (holds the audit signing key: keep it private)')
    .option('--url <url>', 'the Witness server', 'http://127.0.0.1:4318')
    .option('--key-file <file>', 'file holding an admin API key (or set WITNESS_API_KEY)')
    .action(async (flags: { out: string; url: string; keyFile?: string }) => {
      const key = flags.keyFile ? readFileSync(flags.keyFile, 'utf8').trim() : process.env.WITNESS_API_KEY;
      const res = await fetch(new URL('/api/admin/backup', flags.url), {
        method: 'POST',
        headers: key ? { authorization: `Bearer ${key}` } : {},
      }).catch((err: unknown) => {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        throw new Error(`could not reach ${flags.url}${cause}`);
      });
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        throw new Error(`the server answered ${res.status}: ${text.slice(0, 500)}`);
      }
      const out = resolve(flags.out);
      const partial = `${out}.partial`;
      await pipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
        createWriteStream(partial, { mode: 0o600 }),
      );
      await rename(partial, out);
      console.log(
        `wrote ${out}: ${res.headers.get('x-witness-backup-spans')} spans, audit log of ${res.headers.get('x-witness-backup-audit-size')} entries`,
      );
    });

  program
    .command('restore')
    .description(
      'Unpack a backup into an empty data dir, then verify it: every file against the manifest, the audit log, the span counts',
    )
    .requiredOption('--from <file>', 'the archive written by `witness backup`')
    .requiredOption('-d, --data-dir <dir>', 'the data directory to create (must be empty or absent)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { from: string; dataDir: string; json?: boolean }) => {
      const report = await restoreBackup({ from: resolve(flags.from), dataDir: flags.dataDir });
      if (flags.json) console.log(JSON.stringify(report));
      else if (report.ok)
        console.log(
          `restored ${report.files} files into ${report.dataDir}: ${report.store.spans} spans and ${report.store.logs} logs (as in the manifest)` +
            (report.audit
              ? `; audit log verifies: ${report.audit.entries} entries, ${report.audit.checkpoints} checkpoints, root ${report.audit.rootHash}`
              : '; no audit log in the backup') +
            `. Start it with: witness serve --data-dir ${flags.dataDir}`,
        );
      else for (const p of report.problems) console.error(`FAILED: ${p}`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
