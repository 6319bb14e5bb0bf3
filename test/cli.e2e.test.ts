/** The built `witness` command: --help everywhere, and config errors that name the key. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, startWitness } from './helpers/witness-process.js';

function witness(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('witness CLI', () => {
  it('prints help for the program and every subcommand', () => {
    const top = witness(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/serve/);
    expect(top.stdout).toMatch(/demo/);
    const serve = witness(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const flag of ['--port', '--host', '--data-dir', '--config', '--demo'])
      expect(serve.stdout).toContain(flag);
    const demo = witness(['demo', '--help']);
    expect(demo.code).toBe(0);
    for (const flag of ['--endpoint', '--traces']) expect(demo.stdout).toContain(flag);
  });

  it('refuses to start with a bad config value, naming the key and its source', () => {
    const r = witness(['serve', '--port', '0', '--data-dir', '/tmp/witness-cli-never'], {
      WITNESS_RETENTION_MAX_AGE_DAYS: 'forever',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /invalid config key "retention.maxAgeDays" \(from environment variable WITNESS_RETENTION_MAX_AGE_DAYS\)/,
    );
    expect(r.stdout).toBe('');
    const flag = witness(['serve', '--port', 'http']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/"server.port" \(from command-line flag\)/);
  });

  it('honours WITNESS_LOG_LEVEL and the file named by WITNESS_CONFIG', async () => {
    // WITNESS_LOG_LEVEL=warn: the server starts (it used to be rejected as unknown) and drops info lines.
    const quiet = await startWitness({ env: { WITNESS_LOG_LEVEL: 'warn' } });
    await quiet.stop();
    expect(quiet.stderr()).not.toContain('witness started');
    const file = join(mkdtempSync(join(tmpdir(), 'witness-cli-config-')), 'witness.yaml');
    writeFileSync(file, 'logLevel: debug\n');
    const chatty = await startWitness({ env: { WITNESS_CONFIG: file } });
    expect((await fetch(`${chatty.url}/api/traces`)).status).toBe(200);
    await chatty.stop();
    expect(chatty.stderr()).toContain('witness started');
    expect(chatty.stderr()).toMatch(/"level":"debug".*"request"/);
    const bad = witness(['serve', '--port', '0'], { WITNESS_CONFIG: join(tmpdir(), 'witness-no-such.yaml') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot read config file .*witness-no-such\.yaml/);
  });
});
