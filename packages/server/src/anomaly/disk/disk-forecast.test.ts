import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { forecastDisk, hourlyGrid } from './disk-forecast.js';
import { DISK_HISTORY_HOURS, DiskHistory, type DiskPoint, HOUR_MS } from './disk-history.js';
import { DISK_HISTORY_FILE, DiskWatch, directoryBytes } from './disk-watch.js';

const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const GB = 1e9;

/** `hours` hourly points ending the hour before `now`, value f(i) for hour i (0 = oldest). */
function history(hours: number, f: (i: number) => number): DiskPoint[] {
  return Array.from({ length: hours }, (_, i) => [T0 + i * HOUR_MS, f(i)] as const);
}

describe('forecastDisk', () => {
  it('finds the exact hour a linearly growing data dir fills the free space', () => {
    // 10 GB + 0.5 GB/h for 72 h; now is hour 72 (used 46 GB), 20 GB free: full 40 hours later
    const points = history(72, (i) => 10 * GB + 0.5 * GB * i);
    const now = T0 + 72 * HOUR_MS + 60_000;
    const f = forecastDisk(points, { usedBytes: 46 * GB, freeBytes: 20 * GB, limitBytes: null }, now);
    expect(f.status).toBe('will_fill');
    expect(f.capacityBytes).toBe(66 * GB);
    expect(f.fullAtMs).toBe(T0 + (72 + 40) * HOUR_MS);
    expect(f.bytesPerDay).toBeCloseTo(12 * GB, -3);
    expect(f.historyHours).toBe(73);
  });

  it('finds the hour on a series that grows by day and rests at night (daily season)', () => {
    // +1 GB per hour 08–20 UTC, nothing at night; 10 days; 30 GB free at day 10, 00:00
    const perHour = (h: number) => (h % 24 >= 8 && h % 24 < 20 ? GB : 0);
    let used = 5 * GB;
    const points = history(240, (i) => {
      if (i > 0) used += perHour(i - 1);
      return used;
    });
    used += perHour(239);
    const now = T0 + 240 * HOUR_MS;
    const f = forecastDisk(points, { usedBytes: used, freeBytes: 30 * GB, limitBytes: null }, now);
    expect(f.status).toBe('will_fill');
    // 12 GB a day: day 10 and 11 take 24 GB, day 12 the last 6 GB from 08:00 → full at 14:00 of day 12
    const expected = T0 + (12 * 24 + 14) * HOUR_MS;
    expect(Math.abs((f.fullAtMs ?? 0) - expected)).toBeLessThanOrEqual(HOUR_MS);
  });

  it('answers no growth for a flat or shrinking data dir, and waits for 12 hours of history', () => {
    const now = T0 + 48 * HOUR_MS;
    const flat = forecastDisk(
      history(48, () => 3 * GB),
      { usedBytes: 3 * GB, freeBytes: GB, limitBytes: null },
      now,
    );
    expect(flat).toMatchObject({ status: 'no_growth', fullAtMs: null, bytesPerDay: 0 });
    const shrinking = forecastDisk(
      history(48, (i) => 9 * GB - (i * GB) / 10),
      { usedBytes: 4 * GB, freeBytes: GB, limitBytes: null },
      now,
    );
    expect(shrinking.status).toBe('no_growth');
    expect(shrinking.bytesPerDay).toBeLessThan(0);
    const short = forecastDisk(
      history(5, (i) => i * GB).map(([t, v]) => [t + 43 * HOUR_MS, v] as const),
      { usedBytes: 5 * GB, freeBytes: GB, limitBytes: null },
      now,
    );
    expect(short.status).toBe('insufficient_history');
  });

  it('counts the configured limit when it is smaller than the filesystem, and a full data dir', () => {
    const points = history(24, (i) => i * GB);
    const now = T0 + 24 * HOUR_MS;
    const f = forecastDisk(points, { usedBytes: 24 * GB, freeBytes: 1000 * GB, limitBytes: 30 * GB }, now);
    expect(f.capacityBytes).toBe(30 * GB);
    expect(f.fullAtMs).toBe(now + 6 * HOUR_MS);
    const full = forecastDisk(points, { usedBytes: 24 * GB, freeBytes: 0, limitBytes: null }, now);
    expect(full).toMatchObject({ status: 'full', fullAtMs: now });
  });

  it('interpolates hours missing from the history (the server was down)', () => {
    const grid = hourlyGrid([
      [T0, 0],
      [T0 + 4 * HOUR_MS, 8],
    ]);
    expect(grid.values).toEqual([0, 2, 4, 6, 8]);
    expect(grid.times[1]).toBe(T0 + HOUR_MS);
  });
});

describe('DiskHistory', () => {
  it('keeps one point per hour, the latest, and two weeks at most', () => {
    const h = new DiskHistory();
    h.add(T0 + 1000, 1);
    h.add(T0 + 2000, 2);
    expect(h.points()).toEqual([[T0, 2]]);
    for (let i = 0; i < 1000; i++) h.add(T0 + i * HOUR_MS, i);
    expect(h.points()).toHaveLength(DISK_HISTORY_HOURS);
    expect(h.points()[0][0]).toBe(T0 + (1000 - DISK_HISTORY_HOURS) * HOUR_MS);
    expect(DiskHistory.fromJSON(JSON.parse(JSON.stringify(h))).points()).toEqual(h.points());
    expect(DiskHistory.fromJSON({ points: [[1, 'x'], null, [2, -5]] }).points()).toEqual([]);
    expect(DiskHistory.fromJSON('garbage').points()).toEqual([]);
  });
});

describe('DiskWatch (real files)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('samples the data dir, persists the history, and rebuilds it after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-disk-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'data.bin'), Buffer.alloc(100_000));
    let now = T0;
    const registry = new Registry();
    const watch = new DiskWatch({
      dataDir: dir,
      sampleMinutes: 10,
      limitBytes: null,
      registry,
      now: () => now,
    });
    for (let i = 0; i < 20; i++) {
      if (i > 0) now += HOUR_MS;
      writeFileSync(join(dir, `grow-${i}.bin`), Buffer.alloc(50_000));
      watch.sample();
    }
    const f = watch.forecast();
    expect(f?.historyHours).toBe(20);
    // the history file is written after the walk, so it is counted from the next sample on
    const history = readFileSync(join(dir, DISK_HISTORY_FILE)).length;
    expect(directoryBytes(dir) - (f?.usedBytes ?? 0)).toBeLessThanOrEqual(history);
    expect(f?.bytesPerDay).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(join(dir, DISK_HISTORY_FILE), 'utf8'));
    expect(saved.points).toHaveLength(20);
    // a new watch on the same dir starts from the saved history
    now += HOUR_MS;
    const again = new DiskWatch({ dataDir: dir, sampleMinutes: 10, limitBytes: 2_000_000, now: () => now });
    again.sample();
    expect(again.forecast()).toMatchObject({
      historyHours: 21,
      status: 'will_fill',
      capacityBytes: 2_000_000,
    });
  });

  it('sets +Inf on the exhaustion gauge when nothing grows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-disk-'));
    dirs.push(dir);
    const registry = new Registry();
    const watch = new DiskWatch({ dataDir: dir, sampleMinutes: 10, limitBytes: null, registry });
    watch.sample();
    const text = await registry.metrics();
    expect(text).toMatch(/^witness_data_dir_exhaustion_timestamp_seconds \+Inf$/m);
    expect(text).toMatch(/^witness_data_dir_free_bytes [1-9]\d*$/m);
  });
});
