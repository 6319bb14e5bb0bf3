import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportAuditLog, loadPublicKey, PUBLIC_KEY_FILE, verifyAuditLog } from '@witness/server';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

interface DirFlags {
  dataDir: string;
}

function publicKeyPath(dataDir: string, explicit?: string): string {
  const path = explicit ? resolve(explicit) : join(resolve(dataDir), 'keys', PUBLIC_KEY_FILE);
  if (!existsSync(path)) {
    console.error(`no audit public key at ${path}; pass --public-key <file>`);
    process.exit(2);
  }
  return path;
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description('The tamper-evident audit log: verify, export, public key');

  cmd
    .command('verify')
    .description(
      'Recompute the Merkle tree from every entry, check every checkpoint signature and the consistency between consecutive checkpoints; exit 1 naming the first bad entry or checkpoint',
    )
    .option(
      '-d, --data-dir <dir>',
      'Witness data directory (read-only; fine beside a running server)',
      './data',
    )
    .option(
      '--public-key <file>',
      'Ed25519 public key (PEM) to trust [default: <data-dir>/keys/audit-ed25519.pub]',
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: DirFlags & { publicKey?: string; json?: boolean }) => {
      const auditDir = join(resolve(flags.dataDir), 'audit');
      const publicKey = loadPublicKey(publicKeyPath(flags.dataDir, flags.publicKey));
      const bar =
        flags.json || !process.stderr.isTTY
          ? null
          : new SingleBar({ stream: process.stderr, format: 'verifying [{bar}] {value}/{total} entries' });
      let started = false;
      const report = await verifyAuditLog({
        auditDir,
        publicKey,
        onProgress: (done, total) => {
          if (!bar) return;
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      });
      bar?.stop();
      if (flags.json) console.log(JSON.stringify(report));
      else if (report.ok) {
        console.log(
          `OK: ${report.entries} entries, ${report.checkpoints} checkpoints, root ${report.rootHash}; ${report.unsignedTail} entries after the last checkpoint (unsigned tail)`,
        );
      } else {
        console.error(`FAILED: ${report.problem?.message}`);
      }
      process.exitCode = report.ok ? 0 : 1;
    });

  cmd
    .command('export')
    .description(
      'Write the log as JSON Lines: the latest checkpoint, then each entry with its leaf hash and inclusion proof',
    )
    .option('-d, --data-dir <dir>', 'Witness data directory (read-only)', './data')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--from <seq>', 'first entry', '0')
    .option('--to <seq>', 'stop before this entry')
    .action(async (flags: DirFlags & { output?: string; from: string; to?: string }) => {
      const out = flags.output ? createWriteStream(flags.output) : process.stdout;
      const result = exportAuditLog({
        auditDir: join(resolve(flags.dataDir), 'audit'),
        from: Number(flags.from),
        to: flags.to === undefined ? undefined : Number(flags.to),
        write: (line) => out.write(`${line}\n`),
      });
      if (flags.output)
        await new Promise<void>((done) => (out as ReturnType<typeof createWriteStream>).end(done));
      console.error(`exported ${result.entries} entries (checkpoint size ${result.checkpoint?.size ?? 0})`);
    });

  cmd
    .command('public-key')
    .description("Print the audit log's Ed25519 public key (PEM): give it to whoever verifies the log")
    .option('-d, --data-dir <dir>', 'Witness data directory', './data')
    .action((flags: DirFlags) => {
      process.stdout.write(readFileSync(publicKeyPath(flags.dataDir), 'utf8'));
    });
}
