import { resolve } from 'node:path';
import { projectIdSchema } from '@witness/protocol';
import {
  generateKey,
  KEY_SCOPES,
  type KeyScope,
  keysFilePath,
  parseDuration,
  readKeysFile,
  type StoredKey,
  updateKeysFile,
} from '@witness/server';
import type { Command } from 'commander';

/*
 * `witness keys create|list|revoke`: API keys in <data-dir>/api-keys.json. The key itself is printed
 * once, as the last line of stdout (so `KEY=$(witness keys create … | tail -1)` works), and never
 * stored: the file keeps a salted hash. A running server picks changes up within a second.
 */

interface CommonFlags {
  dataDir: string;
  keysFile?: string;
}

interface CreateFlags extends CommonFlags {
  project: string;
  scope: string;
  name?: string;
  expires?: string;
}

const pathOf = (flags: CommonFlags) =>
  keysFilePath(resolve(flags.dataDir), flags.keysFile ? resolve(flags.keysFile) : null);

function status(k: StoredKey, now: number): string {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return 'expired';
  return 'active';
}

/** Creates a key and returns it (the caller prints it). Exported for `witness init`. */
export function createKey(flags: CreateFlags): { key: string; record: StoredKey; path: string } {
  const project = projectIdSchema.safeParse(flags.project);
  if (!project.success) throw new Error(`--project: ${project.error.issues[0]?.message}`);
  if (!(KEY_SCOPES as readonly string[]).includes(flags.scope))
    throw new Error(`--scope must be one of ${KEY_SCOPES.join(', ')} (got "${flags.scope}")`);
  let expiresAt: Date | null = null;
  if (flags.expires !== undefined && flags.expires !== 'never') {
    const ms = parseDuration(flags.expires);
    if (ms === null)
      throw new Error(
        `--expires: expected a duration like 90d, 12h, 2w or 1y, or "never" (got "${flags.expires}")`,
      );
    expiresAt = new Date(Date.now() + ms);
  }
  const path = pathOf(flags);
  const made = generateKey({
    name: flags.name ?? `${flags.scope} key`,
    project: project.data,
    scope: flags.scope as KeyScope,
    expiresAt,
  });
  updateKeysFile(path, (content) => {
    content.keys.push(made.record);
  });
  return { ...made, path };
}

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('Create, list and revoke API keys (stored hashed in <data-dir>/api-keys.json)');
  const common = (cmd: Command) =>
    cmd
      .option('-d, --data-dir <dir>', 'the data directory of the Witness server', './data')
      .option(
        '--keys-file <file>',
        'the keys file, if auth.keysFile moved it [default: <data-dir>/api-keys.json]',
      );

  common(keys.command('create'))
    .description('Create an API key and print it once, as the last line of stdout')
    .requiredOption('--project <project>', 'the project the key writes to and reads from')
    .requiredOption(
      '--scope <scope>',
      `what it may do: ${KEY_SCOPES.join(' | ')} (ingest: OTLP only; read: queries and /metrics; admin: everything)`,
    )
    .option('--name <name>', 'a label for witness keys list (who or what uses it)')
    .option('--expires <duration>', 'lifetime, e.g. 90d, 12h, 2w, 1y [default: never]')
    .action((flags: CreateFlags) => {
      const { key, record, path } = createKey(flags);
      process.stderr.write(
        `Created ${record.scope} key ${record.id} for project ${record.project}${record.expiresAt ? `, expires ${record.expiresAt}` : ''} (in ${path}).\n` +
          'It is shown once and stored only as a hash: copy it now. Send it as "Authorization: Bearer <key>" or "x-witness-key: <key>".\n',
      );
      process.stdout.write(`${key}\n`);
    });

  common(keys.command('list'))
    .description('List keys (ids, names, projects, scopes, status; never the keys)')
    .option('--json', 'print JSON')
    .action((flags: CommonFlags & { json?: boolean }) => {
      const now = Date.now();
      const rows = readKeysFile(pathOf(flags)).keys.map((k) => ({
        id: k.id,
        name: k.name,
        project: k.project,
        scope: k.scope,
        status: status(k, now),
        createdAt: k.createdAt,
        expiresAt: k.expiresAt,
        revokedAt: k.revokedAt,
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(
          'No keys. Create one with: witness keys create --project default --scope admin\n',
        );
        return;
      }
      const cols = ['id', 'name', 'project', 'scope', 'status', 'createdAt', 'expiresAt'] as const;
      const table = [cols.map(String), ...rows.map((r) => cols.map((c) => String(r[c] ?? '-')))];
      const widths = cols.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table)
        process.stdout.write(
          `${row
            .map((v, i) => v.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
    });

  common(keys.command('revoke'))
    .description('Revoke a key by id (a running server refuses it within a second)')
    .argument('<id>', 'the key id, as witness keys list shows it (or the whole key)')
    .action((idOrKey: string, flags: CommonFlags) => {
      const id = /^wk_([0-9a-f]{16})_/.exec(idOrKey)?.[1] ?? idOrKey;
      const found = updateKeysFile(pathOf(flags), (content) => {
        const k = content.keys.find((x) => x.id === id);
        if (k && k.revokedAt === null) k.revokedAt = new Date().toISOString();
        return k;
      });
      if (!found) throw new Error(`no key ${id}; see witness keys list`);
      process.stdout.write(`Revoked key ${found.id} (${found.name}, project ${found.project}).\n`);
    });
}
