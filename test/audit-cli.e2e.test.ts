/** `witness audit verify` on a tampered directory exits 1 and names the entry or checkpoint; export carries proofs. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
