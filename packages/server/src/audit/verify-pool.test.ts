/**
 * The pool cuts a segment into runs of lines hashed by different workers and joins their results: the
 * join must give exactly what one pass over the whole segment gives (hashes in order, and the line
 * indices of erasure placeholders and of erasure/retention authorisations moved by the runs before).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { listSegments } from './segment-files.js';
import { inlineRunner, VerifyPool } from './verify-pool.js';

let dir: string;
/** Entries with user bob: i % 7 === 3 for i < 400. */
const BOB_ENTRIES = 57;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-verify-pool-'));
  const log = await AuditLog.open({
    dir: join(dir, 'audit'),
    keysDir: join(dir, 'keys'),
    checkpointIntervalMs: 0,
  });
  for (let i = 0; i < 400; i++)
    await log.append({
      type: 'tool.call',
      actor: 'agent:a',
      subject: `t-${i}`,
      user: i % 7 === 3 ? 'bob' : 'alice',
    });
  // Seals the segment and turns bob's lines into placeholders; the erasure entry authorises them.
  await log.erase('bob', 'dpo@example.com');
  for (let i = 0; i < 300; i++)
    await log.append({ type: 'tool.call', actor: 'agent:a', subject: `u-${i}`, user: 'carol' });
  await log.erase('carol', 'dpo@example.com');
  await log.close();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VerifyPool.segment', { timeout: 60_000 }, () => {
  it('joins runs of lines hashed in 2 workers into exactly the one-pass result', async () => {
    const segments = listSegments(join(dir, 'audit', 'segments'));
    expect(segments.length).toBeGreaterThanOrEqual(2);
    // 512-byte runs: dozens of runs per segment, each a few lines, placeholders in many of them.
    const pool = new VerifyPool(2, 512);
    try {
      let placeholders = 0;
      let authorised = 0;
      for (const seg of segments) {
        const one = await inlineRunner.segment(seg);
        const joined = await pool.segment(seg);
        expect(joined).toEqual(one);
        if (one.kind !== 'lines') continue;
        expect(Buffer.compare(one.hashes, (joined as typeof one).hashes)).toBe(0);
        placeholders += one.placeholders.length / 3;
        authorised += one.authorisedSeqs.length / 2;
      }
      expect(statSync(segments[0]?.gzPath as string).size).toBeGreaterThan(0);
      expect(placeholders).toBe(BOB_ENTRIES + 300);
      expect(authorised).toBe(BOB_ENTRIES + 300);
    } finally {
      await pool.close();
    }
  });
});
