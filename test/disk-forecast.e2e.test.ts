/**
 * The data dir's disk forecast in a real `witness serve`: the history it keeps in the data dir is
 * crafted before start (a real server would need days to grow one), the server adds its own sample
 * of the real directory, and GET /api/forecasts/disk and /metrics answer from it.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  ftruncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiskForecastJson, diskForecastSchema } from '@witness/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const HOUR = 3_600_000;
const dataDir = mkdtempSync(join(tmpdir(), 'witness-disk-e2e-'));
let w: WitnessProcess | null = null;

/** `hours` hourly points ending the hour before now. */
function craft(hours: number, value: (i: number) => number): void {
  const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
  const points = Array.from({ length: hours }, (_, i) => [
    thisHour - (hours - i) * HOUR,
    Math.round(value(i)),
  ]);
  writeFileSync(join(dataDir, 'disk-history.json'), JSON.stringify({ version: 1, points }));
}

async function forecast(project?: string): Promise<DiskForecastJson> {
  const res = await fetch(`${w?.url}/api/forecasts/disk`, {
    headers: project ? { 'x-witness-project': project } : {},
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return diskForecastSchema.parse(body);
}

const gauge = async () => {
  const text = await (await fetch(`${w?.url}/metrics`)).text();
  return text.match(/^witness_data_dir_exhaustion_timestamp_seconds (\S+)$/m)?.[1];
};

/** Bytes of the files under the data dir, as the server counts them. */
function dirBytes(): number {
  let total = 0;
  for (const e of readdirSync(dataDir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

afterAll(async () => {
  await w?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /api/forecasts/disk', () => {
  it('answers "no growth" for a shrinking data dir, with +Inf on the gauge', async () => {
    // 10 GB shrinking to 5 GB over two days (retention at work), then the real, small directory
    craft(48, (i) => 10e9 - (i * 5e9) / 47);
    w = await startWitness({ dataDir });
    const f = await forecast();
    expect(f.status).toBe('no_growth');
    expect(f.fullAtMs).toBeNull();
    expect(f.historyHours).toBe(49);
    expect(f.usedBytes).toBeGreaterThan(0);
    expect(f.freeBytes).toBeGreaterThan(0);
    expect(f.bytesPerDay).toBeLessThan(0);
    expect(await gauge()).toBe('+Inf');
    // server-wide: another project's reader gets the same figures (there is no per-project split)
    expect((await forecast('other-project')).usedBytes).toBe(f.usedBytes);
    await w.kill('SIGTERM');
    w = null;
  }, 60_000);

  it('answers a date for a growing data dir and puts it on /metrics', async () => {
    // a 100 MB sparse file (no disk used) so the few hundred KB DuckDB adds on a restart are noise
    const fd = openSync(join(dataDir, 'ballast.bin'), 'w');
    ftruncateSync(fd, 100e6);
    closeSync(fd);
    const size = dirBytes();
    // the directory grew by 1% of its size per hour for two days up to its size now; with room for
    // as much again (anomaly.diskLimitBytes = 2 × size) it is full in about 100 hours
    craft(48, (i) => size * (1 - (48 - i) / 100));
    w = await startWitness({ dataDir, env: { WITNESS_ANOMALY_DISK_LIMIT_BYTES: String(2 * size) } });
    const f = await forecast();
    expect(f.status, JSON.stringify(f)).toBe('will_fill');
    expect(f.capacityBytes).toBe(2 * size);
    const hoursLeft = ((f.fullAtMs ?? 0) - Date.now()) / HOUR;
    // ±50%: the server's own sample of the real directory differs a little from the crafted size
    expect(hoursLeft).toBeGreaterThan(50);
    expect(hoursLeft).toBeLessThan(150);
    expect(Number(await gauge())).toBe((f.fullAtMs ?? 0) / 1000);
  }, 60_000);
});
