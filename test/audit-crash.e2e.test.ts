/**
 * kill -9 during steady appends: a child process appends from several concurrent writers and prints
 * each acknowledged sequence number; after SIGKILL the log reopens, every acknowledged entry is there
 * with its content, and both the library verifier and `witness audit verify` pass.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AuditLog, loadPublicKey, verifyAuditLog } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, REPO_ROOT } from './helpers/witness-process.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const WRITER = `
const { AuditLog } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'packages/server/dist/index.js')).href)});
const dir = process.argv[1];
const log = await AuditLog.open({ dir: dir + '/audit', keysDir: dir + '/keys', checkpointIntervalMs: 50 });
let n = 0;
async function writer(w) {
  for (;;) {
    const i = n++;
    const e = await log.append({ type: 'tool.call', actor: 'w' + w, subject: 'call-' + i, details: { i } });
    process.stdout.write(e.seq + ':' + i + '\\n');
  }
}
for (let w = 0; w < 8; w++) writer(w);
`;

describe('audit log crash safety', () => {
  it('keeps every acknowledged entry across kill -9 and still verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-audit-crash-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.split('\n').length > 600) done();
      });
      child.once('exit', (code) => fail(new Error(`writer exited early (${code}): ${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    // Only whole lines were acknowledged.
    const acked = out
      .split('\n')
      .slice(0, -1)
      .map((l) => l.split(':').map(Number) as [number, number]);
    expect(acked.length).toBeGreaterThanOrEqual(600);

    const report = await verifyAuditLog({
      auditDir: join(dir, 'audit'),
      publicKey: loadPublicKey(join(dir, 'keys', 'audit-ed25519.pub')),
    });
    expect(report.ok, report.problem?.message).toBe(true);

    const log = await AuditLog.open({
      dir: join(dir, 'audit'),
      keysDir: join(dir, 'keys'),
      checkpointIntervalMs: 0,
    });
    try {
      expect(log.size).toBeGreaterThanOrEqual(Math.max(...acked.map(([seq]) => seq)) + 1);
      for (const [seq, i] of acked) expect(log.getEntry(seq)).toMatchObject({ seq, subject: `call-${i}` });
      // The reopened log keeps appending after the recovered tail.
      const next = await log.append({ type: 'tool.call', actor: 'after', subject: 'restart' });
      expect(next.seq).toBe(log.size - 1);
    } finally {
      await log.close();
    }
    const cli = spawnSync(process.execPath, [CLI_MAIN, 'audit', 'verify', '--data-dir', dir], {
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('0 entries after the last checkpoint');
  });
});
