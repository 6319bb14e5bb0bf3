import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  auditLogId,
  checkAgainstPublished,
  exportAuditLog,
  loadPublicKey,
  makeS3Client,
  PUBLIC_KEY_FILE,
  type PublishedCheckReport,
  parseS3Url,
  readPublishedCheckpoints,
  type VerifyReport,
  verifyAuditArchive,
  verifyAuditLog,
} from '@witness/server';
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

/** `verify --from s3://bucket/prefix`: 0 OK, 1 a problem named, 2 the archive could not be read. */
async function verifyArchive(
  from: string,
  keyPath: string,
  flags: { s3Endpoint?: string; s3Region?: string; s3ForcePathStyle?: boolean; json?: boolean },
): Promise<number> {
  let location: ReturnType<typeof parseS3Url>;
  try {
    location = parseS3Url(from);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const client = makeS3Client({
    endpoint: flags.s3Endpoint ?? null,
    region: flags.s3Region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: flags.s3ForcePathStyle ?? false,
  });
  const bar =
    flags.json || !process.stderr.isTTY
      ? null
      : new SingleBar({ stream: process.stderr, format: 'verifying [{bar}] {value}/{total} entries' });
  let started = false;
  try {
    const r = await verifyAuditArchive({
      client,
      ...location,
      publicKey: loadPublicKey(keyPath),
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    bar?.stop();
    if (flags.json) console.log(JSON.stringify(r));
    else if (!r.ok) console.error(`FAILED: ${r.problem?.message}`);
    else
      console.log(
        `OK: ${r.entries} entries, ${r.checkpoints} checkpoints, root ${r.rootHash}; ${r.unsignedTail} entries after the last checkpoint (unsigned tail); ${r.objects} objects from ${from}`,
      );
    return r.ok ? 0 : 1;
  } catch (err) {
    bar?.stop();
    console.error(`could not read ${from}: ${(err as Error).message}`);
    return 2;
  } finally {
    client.destroy();
  }
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description('The tamper-evident audit log: verify, export, public key');

  cmd
    .command('verify')
    .description(
      "Recompute the Merkle tree from every entry, check every checkpoint signature and the consistency between consecutive checkpoints; exit 1 naming the first bad entry or checkpoint. Several -d verify several nodes' logs; --store-url also checks each log against the checkpoints its node published to the shared store (a rolled-back disk is reported)",
    )
    .option(
      '-d, --data-dir <dir>',
      'Witness data directory (read-only; fine beside a running server); repeat for several nodes [default: ./data]',
      (dir: string, dirs: string[]) => [...dirs, dir],
      [] as string[],
    )
    .option(
      '--public-key <file>',
      'Ed25519 public key (PEM) to trust [default: <data-dir>/keys/audit-ed25519.pub]; with several -d, each directory uses its own',
    )
    .option(
      '--store-url <url>',
      'ClickHouse HTTP URL of the shared store: check each log against the checkpoints its node published there',
    )
    .option('--store-database <name>', 'ClickHouse database of the shared store', 'witness')
    .option('--store-user <name>', 'ClickHouse user', 'default')
    .option(
      '--store-password-file <file>',
      'file holding the ClickHouse password (or set WITNESS_AUDIT_STORE_PASSWORD)',
    )
    .option(
      '--from <s3url>',
      'verify the archive at s3://bucket/prefix instead of a data dir (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, …)',
    )
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for --from [default: AWS]')
    .option('--s3-region <region>', 'region for --from [default: AWS_REGION, else us-east-1]')
    .option('--s3-force-path-style', 'path-style URLs for --from (most S3-compatible servers)')
    .option('--json', 'print the report as JSON (an array with several -d)')
    .action(
      async (flags: {
        dataDir: string[];
        publicKey?: string;
        json?: boolean;
        storeUrl?: string;
        storeDatabase: string;
        storeUser: string;
        storePasswordFile?: string;
        from?: string;
        s3Endpoint?: string;
        s3Region?: string;
        s3ForcePathStyle?: boolean;
      }) => {
        const dirs = flags.dataDir.length > 0 ? flags.dataDir : ['./data'];
        if (flags.from) {
          process.exitCode = await verifyArchive(
            flags.from,
            publicKeyPath(dirs[0] as string, flags.publicKey),
            flags,
          );
          return;
        }
        if (dirs.length > 1 && flags.publicKey) {
          console.error(
            '--public-key goes with one --data-dir; with several, each uses <data-dir>/keys/audit-ed25519.pub',
          );
          process.exit(2);
        }
        const reports: Array<{ dataDir: string } & VerifyReport & { published?: PublishedCheckReport }> = [];
        for (const dataDir of dirs) {
          const auditDir = join(resolve(dataDir), 'audit');
          const publicKey = loadPublicKey(publicKeyPath(dataDir, flags.publicKey));
          const bar =
            flags.json || !process.stderr.isTTY
              ? null
              : new SingleBar({
                  stream: process.stderr,
                  format: 'verifying [{bar}] {value}/{total} entries',
                });
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
          reports.push({ dataDir, ...report });
        }
        if (flags.storeUrl) {
          const password = flags.storePasswordFile
            ? readFileSync(flags.storePasswordFile, 'utf8').trim()
            : (process.env.WITNESS_AUDIT_STORE_PASSWORD ?? '');
          const ids = reports
            .map((r) => auditLogId(join(resolve(r.dataDir), 'audit')))
            .filter((x) => x !== null);
          const published = await readPublishedCheckpoints(
            { url: flags.storeUrl, database: flags.storeDatabase, username: flags.storeUser, password },
            ids,
          );
          for (const r of reports) {
            const auditDir = join(resolve(r.dataDir), 'audit');
            const id = auditLogId(auditDir);
            r.published = checkAgainstPublished(
              auditDir,
              loadPublicKey(publicKeyPath(r.dataDir, flags.publicKey)),
              id ? (published.get(id) ?? []) : [],
            );
          }
        }
        const okOf = (r: (typeof reports)[number]) => r.ok && (r.published?.ok ?? true);
        if (flags.json) console.log(JSON.stringify(dirs.length === 1 ? reports[0] : reports));
        else
          for (const r of reports) {
            const who = dirs.length > 1 ? `${r.dataDir}: ` : '';
            if (!r.ok) console.error(`FAILED: ${who}${r.problem?.message}`);
            else if (r.published && !r.published.ok) console.error(`FAILED: ${who}${r.published.problem}`);
            else
              console.log(
                `OK: ${who}${r.entries} entries, ${r.checkpoints} checkpoints, root ${r.rootHash}; ${r.unsignedTail} entries after the last checkpoint (unsigned tail)${r.published ? `; matches the ${r.published.checked} checkpoints published to the store (largest ${r.published.largestPublished})` : ''}`,
              );
          }
        process.exitCode = reports.every(okOf) ? 0 : 1;
      },
    );

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
