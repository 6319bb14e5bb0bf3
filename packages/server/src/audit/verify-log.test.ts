/**
 * The verifier's parallel path (worker threads over runs of lines, the tree joined from subtrees) on a
 * log large enough to use it for real: several sealed, compressed segments and complete subtrees.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { listSegments } from './segment-files.js';
import { loadPublicKey } from './signing-key.js';
import { verifyAuditLog } from './verify-log.js';

let base: string;
const ENTRIES = 40_000;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'witness-verify-'));
  const log = await AuditLog.open({
    dir: join(base, 'audit'),
    keysDir: join(base, 'keys'),
    checkpointIntervalMs: 0,
    segmentMaxBytes: 1024 * 1024,
  });
  for (let b = 0; b < ENTRIES / 1000; b++) {
    await log.appendMany(
      Array.from({ length: 1000 }, (_, k) => ({
        type: 'tool.call',
        actor: 'agent:refunder',
        subject: `refund-${b * 1000 + k}`,
        user: `user-${k % 97}`,
        details: { amount: k, sideEffect: true },
      })),
    );
    if (b % 10 === 9) await log.checkpoint();
  }
  await log.close();
}, 120_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

function copyOfLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'witness-verify-copy-'));
  cpSync(base, dir, { recursive: true });
  return dir;
}

const checkpointSizes = (dir: string) =>
  readFileSync(join(dir, 'audit', 'checkpoints.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { size: number }).size);

const verify = (dir: string, threads: number) =>
  verifyAuditLog({
    auditDir: join(dir, 'audit'),
    publicKey: loadPublicKey(join(dir, 'keys', 'audit-ed25519.pub')),
    threads,
  });

describe('verify in worker threads', { timeout: 90_000 }, () => {
  it('reports exactly what the inline pass reports on an untouched log', async () => {
    const segments = listSegments(join(base, 'audit', 'segments'));
    expect(segments.length).toBeGreaterThan(5);
    const inline = await verify(base, 0);
    const parallel = await verify(base, 2);
    // Signed on demand every 10,000 entries, and at each segment boundary (audit-log.ts).
    const signed = checkpointSizes(base);
    for (const seg of segments.slice(1)) expect(signed).toContain(seg.first);
    for (const size of [10_001, 20_001, 30_001, 40_001]) expect(signed).toContain(size);
    expect(inline).toMatchObject({
      ok: true,
      entries: ENTRIES + 1,
      checkpoints: signed.length,
      unsignedTail: 0,
    });
    expect(parallel).toEqual(inline);
  });

  it('names a changed entry in the middle of a later, compressed segment', async () => {
    const dir = copyOfLog();
    try {
      const segments = listSegments(join(dir, 'audit', 'segments'));
      const seg = segments[segments.length - 3] as (typeof segments)[number];
      const lines = gunzipSync(readFileSync(seg.gzPath)).toString('utf8').split('\n');
      const mid = Math.floor((lines.length - 1) / 2);
      const target = seg.first + mid;
      lines[mid] = (lines[mid] as string).replace('"sideEffect":true', '"sideEffect":false');
      writeFileSync(seg.gzPath, gzipSync(lines.join('\n')));
      const parallel = await verify(dir, 2);
      expect(parallel.ok).toBe(false);
      expect(parallel.problem).toEqual({
        kind: 'entry',
        index: target,
        message: `entry ${target}: its bytes do not hash to the leaf hash recorded for index ${target} (changed, moved or replaced)`,
      });
      expect(await verify(dir, 0)).toEqual(parallel);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still checks every signed root: leaf hashes rewritten with their entry fail the checkpoint', async () => {
    const dir = copyOfLog();
    try {
      const segments = listSegments(join(dir, 'audit', 'segments'));
      const seg = segments[1] as (typeof segments)[number];
      const text = gunzipSync(readFileSync(seg.gzPath)).toString('utf8');
      const lines = text.split('\n');
      lines[3] = (lines[3] as string).replace('agent:refunder', 'agent:somebody');
      writeFileSync(seg.gzPath, gzipSync(lines.join('\n')));
      const { leafHash } = await import('./merkle-tree.js');
      const hashes = readFileSync(seg.hashesPath);
      leafHash(Buffer.from(lines[3] as string)).copy(hashes, 3 * 32);
      writeFileSync(seg.hashesPath, hashes);
      const parallel = await verify(dir, 2);
      // The first checkpoint whose size covers the changed entry is the one that fails.
      const first = checkpointSizes(dir).findIndex((size) => size > seg.first + 3);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(parallel.problem).toMatchObject({ kind: 'checkpoint', index: first });
      expect(await verify(dir, 0)).toEqual(parallel);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
