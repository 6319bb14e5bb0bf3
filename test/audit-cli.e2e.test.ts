/** `witness audit verify` on a tampered directory exits 1 and names the entry or checkpoint; export carries proofs. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AuditLog, verifyInclusion } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from './helpers/witness-process.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function buildLog(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'witness-audit-cli-'));
  dirs.push(dir);
  const log = await AuditLog.open({
    dir: join(dir, 'audit'),
    keysDir: join(dir, 'keys'),
    checkpointIntervalMs: 0,
  });
  for (let i = 0; i < 50; i++)
    await log.append({ type: 'decision', actor: 'agent:a', subject: `choice-${i}` });
  await log.close();
  return dir;
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI_MAIN, 'audit', ...args], { encoding: 'utf8' });

describe('witness audit CLI', () => {
  it('verify exits 1 naming the first changed entry', async () => {
    const dir = await buildLog();
    expect(cli('verify', '--data-dir', dir).status).toBe(0);
    const seg = join(dir, 'audit', 'segments', '000000000000.jsonl');
    writeFileSync(seg, readFileSync(seg, 'utf8').replace('choice-33"', 'choice-34"'));
    const r = cli('verify', '--data-dir', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('entry 34');
  });

  it('verify checks a large log in worker threads (the built worker) and names a change in a later segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-audit-cli-'));
    dirs.push(dir);
    const log = await AuditLog.open({
      dir: join(dir, 'audit'),
      keysDir: join(dir, 'keys'),
      checkpointIntervalMs: 0,
      segmentMaxBytes: 2 * 1024 * 1024,
    });
    // Past the 65,536 entries from which verify uses worker threads.
    for (let b = 0; b < 70; b++)
      await log.appendMany(
        Array.from({ length: 1000 }, (_, k) => ({
          type: 'tool.call',
          actor: 'agent:a',
          subject: `call-${b * 1000 + k}`,
        })),
      );
    await log.close();
    const ok = cli('verify', '--data-dir', dir);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('OK: 70001 entries');
    const segDir = join(dir, 'audit', 'segments');
    const sealed = readdirSync(segDir).filter((f) => f.endsWith('.jsonl.gz'));
    expect(sealed.length).toBeGreaterThan(2);
    const gz = join(segDir, sealed[sealed.length - 1] as string);
    const first = Number((sealed[sealed.length - 1] as string).slice(0, 12));
    const lines = gunzipSync(readFileSync(gz)).toString('utf8').split('\n');
    const mid = Math.floor(lines.length / 2);
    lines[mid] = (lines[mid] as string).replace('"agent:a"', '"agent:b"');
    writeFileSync(gz, gzipSync(lines.join('\n')));
    const r = cli('verify', '--data-dir', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `FAILED: entry ${first + mid}: its bytes do not hash to the leaf hash recorded for index ${first + mid}`,
    );
  }, 120_000);

  it('verify exits 1 on a checkpoint signed by another key', async () => {
    const dir = await buildLog();
    const other = await buildLog();
    const r = cli('verify', '--data-dir', dir, '--public-key', join(other, 'keys', 'audit-ed25519.pub'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('checkpoint 0');
  });

  it('export writes the checkpoint and one line per entry with a proof that verifies', async () => {
    const dir = await buildLog();
    const r = cli('export', '--data-dir', dir);
    expect(r.status, r.stderr).toBe(0);
    const [head, ...lines] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(51);
    const root = Buffer.from(head.checkpoint.rootHash, 'hex');
    for (const l of lines)
      expect(
        verifyInclusion(
          l.index,
          l.treeSize,
          Buffer.from(l.leafHash, 'hex'),
          l.inclusionProof.map((h: string) => Buffer.from(h, 'hex')),
          root,
        ),
      ).toBe(true);
  });
});
