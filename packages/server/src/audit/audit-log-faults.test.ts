/**
 * The audit log under disk faults and a clock stepped back (the unit side of test/chaos/): a group
 * write that fails is cut off and appends resume once the files are whole; server-stamped times never
 * go back; a torn checkpoint line is cut at open.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditLogOptions } from './audit-log.js';
import { CHECKPOINTS_FILE } from './segment-files.js';
import { loadPublicKey } from './signing-key.js';
import { verifyAuditLog } from './verify-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'witness-audit-faults-'));
  dirs.push(d);
  return d;
}

const openLog = (dataDir: string, extra: Partial<AuditLogOptions> = {}) =>
  AuditLog.open({
    dir: join(dataDir, 'audit'),
    keysDir: join(dataDir, 'keys'),
    checkpointIntervalMs: 0,
    ...extra,
  });

const verify = (dataDir: string) =>
  verifyAuditLog({
    auditDir: join(dataDir, 'audit'),
    publicKey: loadPublicKey(join(dataDir, 'keys', 'audit-ed25519.pub')),
    threads: 0,
  });

const input = (i: number) => ({
  type: 'tool.call',
  actor: 'agent:planner',
  subject: `tool-${i}`,
  details: { i },
});

describe('AuditLog under faults', () => {
  it('cuts a group whose write failed, refuses appends until then, and resumes with whole files', async () => {
    const dir = tempDataDir();
    let failNext = false;
    const errors: unknown[] = [];
    const log = await openLog(dir, {
      // fails after the bytes were written, before the sync: the files hold a group that is not durable
      beforeSync: async () => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
      },
      onError: (err) => errors.push(err),
    });
    await log.appendMany([input(1), input(2)]);
    const before = log.size;
    failNext = true;
    await expect(log.appendMany([input(3), input(4)])).rejects.toThrow(/ENOSPC/);
    expect(log.size).toBe(before);
    // recovery runs in the background; appends are refused (naming the cause) until it is done
    for (let i = 0; i < 100; i++) {
      try {
        await log.append(input(5));
        break;
      } catch (err) {
        expect(String((err as Error).cause ?? err)).toMatch(/ENOSPC/);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(log.size).toBe(before + 1);
    expect(log.getEntry(before)).toMatchObject({ seq: before, subject: 'tool-5' });
    await log.appendMany([input(6), input(7)]);
    await log.close();
    expect(errors.length).toBeGreaterThan(0);
    const report = await verify(dir);
    expect(report.ok, report.problem?.message).toBe(true);
    // nothing of the failed group is in the payload file
    const payload = readFileSync(join(dir, 'audit', 'segments', '000000000000.jsonl'), 'utf8');
    expect(payload).not.toMatch(/tool-3|tool-4/);
  });

  it('never hands out a server time earlier than one already used, and reports the step', async () => {
    const dir = tempDataDir();
    let now = Date.parse('2026-12-02T10:00:00Z');
    const behind: number[] = [];
    const log = await openLog(dir, { now: () => now, onClockBehind: (ms) => behind.push(ms) });
    const a = await log.append(input(1));
    await log.checkpoint();
    now -= 2 * 86_400_000; // two days back, across a UTC day boundary
    const b = await log.append(input(2));
    const cp = await log.checkpoint();
    expect(b.time).toBe(a.time);
    expect(cp.timestamp).toBe(Date.parse(a.time));
    expect(behind).toEqual([2 * 86_400_000]);
    now += 3 * 86_400_000;
    const c = await log.append(input(3));
    expect(Date.parse(c.time)).toBe(now);
    expect(behind).toEqual([2 * 86_400_000, 0]);
    await log.close();
    expect((await verify(dir)).ok).toBe(true);
  });

  it('holds times after a restart with the clock set back (from the last checkpoint)', async () => {
    const dir = tempDataDir();
    const t = Date.parse('2026-12-02T10:00:00Z');
    const first = await openLog(dir, { now: () => t });
    await first.append(input(1));
    await first.close();
    const behind: number[] = [];
    const second = await openLog(dir, { now: () => t - 3_600_000, onClockBehind: (ms) => behind.push(ms) });
    const e = await second.append(input(2));
    expect(Date.parse(e.time)).toBe(t);
    expect(behind).toEqual([3_600_000]);
    await second.close();
  });

  it('cuts a torn checkpoint line at open so the next one is whole', async () => {
    const dir = tempDataDir();
    const log = await openLog(dir);
    await log.append(input(1));
    await log.close();
    appendFileSync(join(dir, 'audit', CHECKPOINTS_FILE), '{"logId":"torn');
    const again = await openLog(dir);
    await again.append(input(2));
    await again.close();
    const lines = readFileSync(join(dir, 'audit', CHECKPOINTS_FILE), 'utf8')
      .trim()
      .split('\n');
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect((await verify(dir)).ok).toBe(true);
  });

  it('rotates by the server day, not by the span times entries carry', async () => {
    const dir = tempDataDir();
    const today = Date.parse('2026-12-02T10:00:00Z');
    const log = await openLog(dir, { now: () => today });
    for (let i = 0; i < 6; i++) await log.appendMany([{ ...input(i), time: today - (i % 2) * 86_400_000 }]); // yesterday, today, …
    await log.close();
    const segments = readdirSync(join(dir, 'audit', 'segments')).filter((f) => f.endsWith('.hashes'));
    expect(segments).toHaveLength(1);
    expect((await verify(dir)).ok).toBe(true);
  });
});
