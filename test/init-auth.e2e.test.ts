/**
 * `witness init` and auth (issue 18 item 4): when the config it writes has auth on, init makes the
 * first admin key and prints it; no key exists otherwise (there is no default key), and a second init
 * does not make another. The server started on that config accepts the key.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, startWitness } from './helpers/witness-process.js';

const work = mkdtempSync(join(tmpdir(), 'witness-init-auth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function witness(args: string[]) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WITNESS_')) env[k] = v;
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('witness init with auth', () => {
  it('on loopback writes no key (auth off, nothing to protect yet)', () => {
    const r = witness(['init', '--out', 'local.yaml', '--data-dir', 'local-data']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/wk_/);
    expect(existsSync(join(work, 'local-data', 'api-keys.json'))).toBe(false);
  });

  it('beyond loopback creates and prints the first admin key once; the server accepts it', async () => {
    const r = witness([
      'init',
      '--out',
      'net.yaml',
      '--data-dir',
      'net-data',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const key = /^\s+(wk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})$/m.exec(r.stdout)?.[1];
    expect(key, r.stdout).toBeDefined();
    expect(r.stdout).toContain('--scope ingest');
    expect(r.stdout).toContain('OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20');
    const list = witness(['keys', 'list', '--data-dir', 'net-data']);
    expect(list.stdout).toContain('first admin (witness init)');

    const again = witness([
      'init',
      '--out',
      'net.yaml',
      '--data-dir',
      'net-data',
      '--host',
      '0.0.0.0',
      '--force',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/wk_/);

    const w = await startWitness({
      dataDir: join(work, 'net-data'),
      args: ['--config', join(work, 'net.yaml')],
    });
    try {
      expect((await fetch(`${w.url}/api/traces`)).status).toBe(401);
      expect(
        (await fetch(`${w.url}/api/traces`, { headers: { authorization: `Bearer ${key}` } })).status,
      ).toBe(200);
    } finally {
      await w.stop();
    }
  });
});
