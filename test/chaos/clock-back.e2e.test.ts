/**
 * The clock jumps back two days under ingest (WITNESS_FAULT_FILE `clock-offset-ms`, the audit log's
 * clock; fault/fault-file.ts), comes forward again, and is set back again across a restart. What must
 * hold: ingest keeps answering 200 and loses nothing; server-stamped audit times (people's actions,
 * checkpoints) never go back — they hold at the last time used until the clock catches up; the step is
 * counted (witness_clock_backward_jumps_total, the WitnessClockSteppedBack alert) and logged; the log
 * verifies.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  auditVerify,
  metricValue,
  missingOrBroken,
  scrape,
  send,
  traceBatch,
} from '../helpers/chaos-traffic.js';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const TWO_DAYS_MS = 2 * 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'witness-clock-'));
const faultFile = join(dir, 'faults');
const dataDir = join(dir, 'data');
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const setOffset = async (ms: number) => {
  writeFileSync(faultFile, `clock-offset-ms ${ms}\n`);
  await new Promise((r) => setTimeout(r, 100)); // re-read every 50 ms
};

it('keeps audit times monotonic and flags the step when the clock jumps back', async () => {
  await setOffset(0);
  const env = { WITNESS_FAULT_FILE: faultFile };
  let w = await startWitness({ dataDir, env });
  running.push(w);
  const acked: string[] = [];
  const ingest = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const b = traceBatch('clock-e2e');
      const a = await send(w.url, b.body);
      expect(a?.status, a?.text).toBe(200);
      acked.push(b.traceId);
    }
  };
  const action = async (subject: string) => {
    const res = await fetch(`${w.url}/api/audit/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'chaos.clock', actor: 'chaos-test', subject }),
    });
    expect(res.status).toBe(201);
    return Date.parse(((await res.json()) as { time: string }).time);
  };
  const checkpoint = async () => {
    const res = await fetch(`${w.url}/api/audit/checkpoints`, { method: 'POST' });
    expect(res.status).toBe(201);
    return ((await res.json()) as { timestamp: number }).timestamp;
  };

  await ingest(10);
  const tA = await action('before the jump');
  const cp1 = await checkpoint();

  await setOffset(-TWO_DAYS_MS);
  await ingest(10);
  const tB = await action('two days back');
  const cp2 = await checkpoint();
  const back = await scrape(w.url);

  await setOffset(0);
  await ingest(10);
  const tC = await action('caught up');
  await new Promise((r) => setTimeout(r, 1100)); // past /metrics' 1 s scrape cache
  const caughtUp = await scrape(w.url);

  // a restart with the clock set back again: the log remembers its last time (the latest checkpoint)
  await w.stop();
  await setOffset(-TWO_DAYS_MS);
  w = await startWitness({ dataDir, env });
  running.push(w);
  await ingest(10);
  const tD = await action('restarted two days back');
  const afterRestart = await scrape(w.url);
  const log = w.stderr();

  console.log(
    `clock back 2 days: action times ${new Date(tA).toISOString()} → ${new Date(tB).toISOString()} (held) → ` +
      `${new Date(tC).toISOString()} → ${new Date(tD).toISOString()} after a restart set back; ` +
      `jumps counted ${metricValue(back, 'witness_clock_backward_jumps_total')} then ${metricValue(afterRestart, 'witness_clock_backward_jumps_total')} after the restart; ${acked.length} batches acknowledged`,
  );
  expect(tB).toBeGreaterThanOrEqual(tA);
  expect(tB).toBeLessThan(tA + 60_000); // held, not two days back
  expect(cp2).toBeGreaterThanOrEqual(cp1);
  expect(tC).toBeGreaterThanOrEqual(tB);
  expect(tD).toBeGreaterThanOrEqual(tC);
  expect(metricValue(back, 'witness_clock_backward_jumps_total')).toBe(1);
  expect(metricValue(back, 'witness_clock_behind_seconds')).toBeGreaterThan(TWO_DAYS_MS / 1000 - 60);
  expect(metricValue(caughtUp, 'witness_clock_behind_seconds')).toBe(0);
  expect(metricValue(afterRestart, 'witness_clock_backward_jumps_total')).toBe(1);
  expect(log).toMatch(/the wall clock went back/);

  expect(await missingOrBroken(w.url, acked)).toEqual([]);
  await w.stop();
  // every signed checkpoint's time is at or after the one before it
  const stamps = readFileSync(join(dataDir, 'audit', 'checkpoints.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
  expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  const verify = auditVerify(dataDir);
  expect(verify.ok, verify.out).toBe(true);
}, 120_000);
