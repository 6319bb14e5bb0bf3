import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditLogOptions } from './audit-log.js';
import { verifyAuditLog } from './verify-log.js';
import { leafHash } from './merkle-tree.js';
import { verifyConsistency, verifyInclusion } from './verify-proof.js';
import { encodeEntry } from './audit-entry.js';
import { loadPublicKey } from './signing-key.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'witness-audit-'));
  dirs.push(d);
  return d;
}

function openLog(dataDir: string, extra: Partial<AuditLogOptions> = {}): Promise<AuditLog> {
  return AuditLog.open({
    dir: join(dataDir, 'audit'),
    keysDir: join(dataDir, 'keys'),
    checkpointIntervalMs: 0,
    ...extra,
  });
}

function verify(dataDir: string, threads = 0) {
  return verifyAuditLog({
    auditDir: join(dataDir, 'audit'),
    publicKey: loadPublicKey(join(dataDir, 'keys', 'audit-ed25519.pub')),
    threads,
  });
}

const input = (i: number, user = 'alice') => ({
  type: 'tool.call',
  actor: 'agent:planner',
  subject: `tool-${i}`,
  user,
  agent: 'planner',
  traceId: `${i}`.padStart(32, '0'),
  details: { sideEffect: i % 2 === 0 },
});

describe('AuditLog', () => {
  it('generates a key on first start and records it as the first entry', async () => {
    const dir = tempDataDir();
    let told = false;
    const log = await openLog(dir, { onKeyCreated: () => (told = true) });
    expect(told).toBe(true);
    expect(existsSync(join(dir, 'keys', 'audit-ed25519.key'))).toBe(true);
    expect(log.getEntry(0)).toMatchObject({ seq: 0, type: 'key.created', subject: log.key.keyId });
    await log.close();
    const again = await openLog(dir, { onKeyCreated: () => (told = false) });
    expect(told).toBe(true);
    expect(again.size).toBe(1);
    await again.close();
  });

  it('keeps closed 1,024-entry chunks of the tree on disk: proofs into them, across segments and a reopen, verify', async () => {
    const dir = tempDataDir();
    // small segments, so chunks of the tree straddle segment files
    const log = await openLog(dir, { segmentMaxBytes: 64 * 1024 });
    for (let b = 0; b < 5; b++)
      await log.appendMany(Array.from({ length: 1000 }, (_, i) => input(b * 1000 + i)));
    const cp = await log.checkpoint();
    expect(cp.size).toBe(5001);
    expect(
      readdirSync(join(dir, 'audit', 'segments')).filter((f) => f.endsWith('.hashes')).length,
    ).toBeGreaterThan(3);
    // only the open chunk's leaves are held below the chunk level
    const tree = (log as unknown as { tree: { levels: { first: number }[] } }).tree;
    expect(tree.levels[0]?.first).toBe(4096);
    const root = Buffer.from(cp.rootHash, 'hex');
    const check = (l: AuditLog, size: number, r: Buffer) => {
      for (const i of [0, 1, 700, 1023, 1024, 2047, 3000, 4095, 4096, size - 1]) {
        const lh = leafHash(encodeEntry(l.getEntry(i) as never));
        expect(l.leafHashAt(i).equals(lh), `leaf ${i}`).toBe(true);
        expect(verifyInclusion(i, size, lh, l.inclusionProof(i, size), r), `inclusion ${i}`).toBe(true);
      }
      for (const m of [1, 1000, 1024, 3333]) {
        const old = l.root(m);
        expect(verifyConsistency(m, size, old, r, l.consistencyProof(m, size)), `consistency ${m}`).toBe(
          true,
        );
      }
    };
    check(log, cp.size, root);
    await log.close();
    const again = await openLog(dir, { segmentMaxBytes: 64 * 1024 });
    expect(again.root(cp.size).equals(root)).toBe(true);
    check(again, cp.size, root);
    await again.close();
    expect((await verify(dir)).ok).toBe(true);
  });

  it('concurrent appends get consecutive seqs, survive reopen, and proofs verify against a checkpoint', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(input(i))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const cp = await log.checkpoint();
    expect(cp.size).toBe(201);
    const e = log.getEntry(57);
    expect(e).toMatchObject({ seq: 57, subject: 'tool-56' });
    const lh = leafHash(encodeEntry(e as never));
    expect(
      verifyInclusion(57, cp.size, lh, log.inclusionProof(57, cp.size), Buffer.from(cp.rootHash, 'hex')),
    ).toBe(true);
    await log.append(input(999));
    expect(
      verifyConsistency(
        cp.size,
        log.size,
        Buffer.from(cp.rootHash, 'hex'),
        log.root(),
        log.consistencyProof(cp.size),
      ),
    ).toBe(true);
    await log.close();
    const again = await openLog(dir);
    expect(again.size).toBe(202);
    expect(again.root().toString('hex')).not.toBe(cp.rootHash);
    expect(again.root(201).toString('hex')).toBe(cp.rootHash);
    await again.close();
    expect(await verify(dir)).toMatchObject({ ok: true, entries: 202, unsignedTail: 0 });
  });

  it('refuses an entry that cannot be written as JSON without using up its sequence number', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    await expect(log.append({ ...input(1), details: { n: 10n } })).rejects.toThrow('bigint');
    await expect(log.appendMany([input(2), { ...input(3), details: { n: 1n } }])).rejects.toThrow('bigint');
    const next = await log.append(input(4));
    expect(next.seq).toBe(1);
    await log.close();
    expect(await verify(dir)).toMatchObject({ ok: true, entries: 2 });
  });

  it('records a config.change only when the configuration differs from the last start', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    const first = await log.recordConfig({ retention: { maxAgeDays: 30 } });
    expect(first).toMatchObject({ type: 'config.change', details: { previousSha256: null } });
    expect(await log.recordConfig({ retention: { maxAgeDays: 30 } })).toBeNull();
    const changed = await log.recordConfig({ retention: { maxAgeDays: 90 } });
    expect(changed?.details.previousSha256).toBe(first?.details.sha256);
    await log.close();
  });

  it('filters and pages the query newest first', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    for (let i = 0; i < 30; i++)
      await log.append({ ...input(i), type: i % 3 === 0 ? 'decision' : 'tool.call' });
    const page1 = log.query({ type: 'decision', limit: 4 });
    expect(page1.entries.map((e) => e.subject)).toEqual(['tool-27', 'tool-24', 'tool-21', 'tool-18']);
    const page2 = log.query({ type: 'decision', limit: 4, before: page1.nextBefore as number });
    expect(page2.entries.map((e) => e.subject)).toEqual(['tool-15', 'tool-12', 'tool-9', 'tool-6']);
    expect(log.query({ traceId: input(7).traceId }).entries.map((e) => e.seq)).toEqual([8]);
    await log.close();
  });

  it('signs a checkpoint at every segment boundary, so each sealed segment ends at a signed size', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir, { segmentMaxBytes: 4096 });
    await Promise.all(Array.from({ length: 120 }, (_, i) => log.append(input(i))));
    for (let i = 120; i < 160; i++) await log.append(input(i));
    const firsts = readdirSync(join(dir, 'audit', 'segments'))
      .filter((f) => f.endsWith('.hashes'))
      .map((f) => Number(f.slice(0, 12)))
      .sort((a, b) => a - b);
    expect(firsts.length).toBeGreaterThan(3);
    const sizes = log.listCheckpoints().map((c) => c.size);
    for (const first of firsts.slice(1)) expect(sizes).toContain(first);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes); // still in size order
    await log.close();
    expect((await verify(dir)).ok).toBe(true);
  });

  it('an untouched log verifies after rotation, compression, archival, retention and erasure', async () => {
    const dir = tempDataDir();
    let now = Date.parse('2024-01-01T10:00:00Z');
    const archiveDir = join(dir, 'archive');
    const log = await openLog(dir, { now: () => now, archiveDir, segmentMaxBytes: 4096, retentionDays: 400 });
    for (let i = 0; i < 60; i++) await log.append(input(i, i % 5 === 0 ? 'bob' : 'alice'));
    await log.checkpoint();
    now += 2 * 86_400_000; // next day: rotation by day
    for (let i = 60; i < 70; i++) await log.append(input(i, i % 5 === 0 ? 'bob' : 'alice'));
    await log.checkpoint();
    const erasure = await log.erase('bob', 'dpo@example.com');
    expect((erasure.details.erased as number[]).length).toBe(14);
    expect(log.query({}).entries.some((e) => e.user === 'bob')).toBe(false);
    now += 401 * 86_400_000;
    await log.append(input(100));
    const retention = await log.runRetention('ops');
    expect(retention).not.toBeNull();
    expect((retention as { details: { removed: unknown[] } }).details.removed.length).toBeGreaterThan(0);
    await log.close();
    const report = await verify(dir);
    expect(report, report.problem?.message).toMatchObject({ ok: true, unsignedTail: 0 });
    const segs = readFileSync(join(dir, 'audit', 'checkpoints.jsonl'), 'utf8');
    expect(segs.split('\n').length).toBeGreaterThan(3);
    expect(existsSync(join(archiveDir, '000000000000.jsonl.gz'))).toBe(true);
  });
});

// Every tampering case on both paths: inline, and with the line checks in worker threads.
describe.each([0, 2])('verify (%i worker threads) detects tampering', (threads) => {
  async function build(): Promise<{ dir: string; seg: string; hashes: string }> {
    const dir = tempDataDir();
    const log = await openLog(dir);
    for (let i = 0; i < 20; i++) await log.append(input(i));
    await log.close(); // signs a checkpoint over all 21 entries
    const seg = join(dir, 'audit', 'segments', '000000000000.jsonl');
    return { dir, seg, hashes: join(dir, 'audit', 'segments', '000000000000.hashes') };
  }
  const lines = (p: string) => readFileSync(p, 'utf8').split('\n').slice(0, -1);
  const write = (p: string, ls: string[]) => writeFileSync(p, `${ls.join('\n')}\n`);

  it('passes when untouched', async () => {
    const { dir } = await build();
    expect(await verify(dir, threads)).toMatchObject({ ok: true, entries: 21, checkpoints: 1 });
  });

  it('one changed byte names the entry', async () => {
    const { dir, seg } = await build();
    const buf = readFileSync(seg);
    const at = buf.indexOf('tool-9"');
    buf[at + 5] = '8'.charCodeAt(0);
    writeFileSync(seg, buf);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'entry', index: 10 });
  });

  it('a deleted entry', async () => {
    const { dir, seg } = await build();
    const ls = lines(seg);
    ls.splice(5, 1);
    write(seg, ls);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'entry', index: 5 });
  });

  it('two swapped entries', async () => {
    const { dir, seg } = await build();
    const ls = lines(seg);
    [ls[3], ls[4]] = [ls[4] as string, ls[3] as string];
    write(seg, ls);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'entry', index: 3 });
  });

  it('an inserted entry', async () => {
    const { dir, seg } = await build();
    const ls = lines(seg);
    ls.splice(7, 0, ls[6] as string);
    write(seg, ls);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'entry', index: 7 });
  });

  it('a truncated segment (payload and hashes cut together)', async () => {
    const { dir, seg, hashes } = await build();
    write(seg, lines(seg).slice(0, 15));
    writeFileSync(hashes, readFileSync(hashes).subarray(0, 15 * 32));
    const p = (await verify(dir, threads)).problem;
    expect(p).toMatchObject({ kind: 'checkpoint', index: 0 });
    expect(p?.message).toContain('holds 15');
  });

  it('an entry rewritten together with its leaf hash fails the signed root', async () => {
    const { dir, seg, hashes } = await build();
    const ls = lines(seg);
    const forged = (ls[12] as string).replace('agent:planner', 'agent:someone');
    ls[12] = forged;
    write(seg, ls);
    const h = readFileSync(hashes);
    leafHash(Buffer.from(forged)).copy(h, 12 * 32);
    writeFileSync(hashes, h);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'checkpoint', index: 0 });
  });

  it('a replaced checkpoint signature', async () => {
    const { dir } = await build();
    const path = join(dir, 'audit', 'checkpoints.jsonl');
    const cp = JSON.parse(readFileSync(path, 'utf8').trim());
    const sig = Buffer.from(cp.signature, 'base64');
    sig[10] ^= 1;
    cp.signature = sig.toString('base64');
    writeFileSync(path, `${JSON.stringify(cp)}\n`);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'checkpoint', index: 0 });
  });

  it('a rollback to an earlier state of the log', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    for (let i = 0; i < 10; i++) await log.append(input(i));
    await log.checkpoint();
    const segDir = join(dir, 'audit', 'segments');
    const earlier = {
      seg: readFileSync(join(segDir, '000000000000.jsonl')),
      hashes: readFileSync(join(segDir, '000000000000.hashes')),
    };
    for (let i = 10; i < 20; i++) await log.append(input(i));
    await log.close();
    writeFileSync(join(segDir, '000000000000.jsonl'), earlier.seg);
    writeFileSync(join(segDir, '000000000000.hashes'), earlier.hashes);
    const p = (await verify(dir, threads)).problem;
    expect(p).toMatchObject({ kind: 'checkpoint', index: 1 });
    expect(p?.message).toContain('rolled back');
  });

  it('a payload erased without an erasure entry', async () => {
    const { dir, seg } = await build();
    const ls = lines(seg);
    ls[4] = '{"erased":true,"seq":4}';
    write(seg, ls);
    expect((await verify(dir, threads)).problem).toMatchObject({ kind: 'entry', index: 4 });
  });
});
