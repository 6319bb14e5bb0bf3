/**
 * A slow disk: every audit group commit's fdatasync takes 300 ms longer (WITNESS_FAULT_FILE,
 * `fsync-delay-ms`, toggled while the server runs; fault/fault-file.ts). The audit fsync is on the
 * acknowledgement path, so ingest latency must grow by about that much; nothing may be refused or lost,
 * witness_disk_sync_duration_seconds must show it (the WitnessSlowDiskSync alert), and latency must come
 * back when the disk does. DuckDB's own fsyncs are not slowed (native code, no hook): the audit log's
 * are the ones every acknowledgement waits for.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const DELAY_MS = 300;
const dir = mkdtempSync(join(tmpdir(), 'witness-slow-disk-'));
const faultFile = join(dir, 'faults');
const dataDir = join(dir, 'data');
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

it('slows ingest by the fsync delay, refuses and loses nothing, and the sync metric shows it', async () => {
  writeFileSync(faultFile, '');
  const w = await startWitness({ dataDir, env: { WITNESS_FAULT_FILE: faultFile } });
  running.push(w);
  const acked: string[] = [];
  const phase = async (n: number) => {
    const ms: number[] = [];
    const client = async () => {
      while (ms.length < n) {
        const b = traceBatch('slow-disk-e2e');
        const a = await send(w.url, b.body);
        expect(a?.status, a?.text).toBe(200);
        acked.push(b.traceId);
        ms.push(a?.ms as number);
      }
    };
    await Promise.all([client(), client()]);
    return ms;
  };
  await phase(10); // warm-up
  const fast = await phase(30);
  writeFileSync(faultFile, `fsync-delay-ms ${DELAY_MS}\n`);
  await new Promise((r) => setTimeout(r, 100)); // the file is re-read every 50 ms
  const slow = await phase(20);
  const slowMetrics = await scrape(w.url);
  writeFileSync(faultFile, '');
  await new Promise((r) => setTimeout(r, 100));
  const back = await phase(30);

  const syncs = metricValue(slowMetrics, 'witness_disk_sync_duration_seconds_count', 'log="audit"') ?? 0;
  const underQuarter =
    metricValue(slowMetrics, 'witness_disk_sync_duration_seconds_bucket', 'log="audit"', 'le="0.25"') ?? 0;
  console.log(
    `slow disk: ingest median ${median(fast).toFixed(0)} ms → ${median(slow).toFixed(0)} ms with +${DELAY_MS} ms per fsync → ` +
      `${median(back).toFixed(0)} ms after; audit syncs over 0.25 s: ${syncs - underQuarter} of ${syncs}; ${acked.length} batches acknowledged`,
  );
  expect(median(slow)).toBeGreaterThan(median(fast) + DELAY_MS * 0.8);
  expect(median(back)).toBeLessThan(median(slow) - DELAY_MS * 0.5);
  // each slow request waited for at least one slow group commit
  expect(syncs - underQuarter).toBeGreaterThanOrEqual(5);

  const wrong = await missingOrBroken(w.url, acked);
  expect(wrong).toEqual([]);
  await w.stop();
  const verify = auditVerify(dataDir);
  expect(verify.ok, verify.out).toBe(true);
}, 120_000);
