import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { assessGrowth, MemoryWatch, type RssPoint } from './memory-watch.js';

const MB = 1024 * 1024;
const options = { intervalSeconds: 30, windowMinutes: 30, minGrowthMb: 64, minGrowthRatio: 0.2 };
const series = (f: (minute: number) => number, minutes = 30): RssPoint[] =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({ t: i * 30_000, bytes: f(i / 2) * MB }));
// a deterministic wobble of ±15 MB (GC, DuckDB checkpoints)
const noise = (m: number) => 15 * Math.sin(m * 7.3);

describe('assessGrowth (RSS leak self-check)', () => {
  it('suspects a steady climb across the window', () => {
    const a = assessGrowth(
      series((m) => 200 + 8 * m + noise(m)),
      options,
    );
    expect(a.suspected).toBe(true);
    expect(a.bytesPerHour / MB).toBeCloseTo(480, -1);
  });

  it('does not suspect a flat process with noise, or warm-up that flattens', () => {
    expect(
      assessGrowth(
        series((m) => 300 + noise(m)),
        options,
      ).suspected,
    ).toBe(false);
    // the buffer cache fills in 3 minutes, then stays: the fitted line over 30 minutes is poor
    const warm = assessGrowth(
      series((m) => 150 + Math.min(m, 3) * 60 + noise(m)),
      options,
    );
    expect(warm.suspected).toBe(false);
  });

  it('does not decide before a full window, nor on small absolute growth', () => {
    expect(
      assessGrowth(
        series((m) => 200 + 8 * m, 10),
        options,
      ).suspected,
    ).toBe(false);
    expect(
      assessGrowth(
        series((m) => 100 + 1.5 * m),
        options,
      ).suspected,
    ).toBe(false); // 45 MB
  });
});

describe('MemoryWatch', () => {
  it('sets witness_memory_growth_suspected and logs once when growth becomes suspected, again when it clears', async () => {
    const registry = new Registry();
    const logs: string[] = [];
    const logger = {
      warn: (_: object, m: string) => logs.push(`warn ${m}`),
      info: (_: object, m: string) => logs.push(`info ${m}`),
    };
    let t = 0;
    let rss = 200 * MB;
    const watch = new MemoryWatch(
      options,
      registry,
      logger,
      () => rss,
      () => t,
    );
    for (let i = 0; i <= 60; i++, t += 30_000, rss += 4 * MB) watch.sample();
    const text = await registry.metrics();
    expect(text).toMatch(/^witness_memory_growth_suspected 1$/m);
    expect(text).toMatch(/^witness_memory_rss_growth_bytes_per_hour \d+/m);
    expect(logs.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    // memory stops growing: after a window of flat samples the suspicion clears
    for (let i = 0; i <= 60; i++, t += 30_000) watch.sample();
    expect(await registry.metrics()).toMatch(/^witness_memory_growth_suspected 0$/m);
    expect(logs.at(-1)).toMatch(/^info resident memory growth has stopped/);
  });

  it('does not count what DuckDB holds under its limit as growth, only what grows beside it', () => {
    const registry = new Registry();
    const quiet = { warn: () => undefined, info: () => undefined };
    let t = 0;
    let duckdb = 0;
    let other = 150 * MB;
    const watch = new MemoryWatch(
      options,
      registry,
      quiet,
      () => other + duckdb,
      () => t,
      () => duckdb,
    );
    // DuckDB fills towards its limit in a straight line across the whole window: not a leak
    let a = watch.sample();
    for (let i = 0; i <= 60; i++, t += 30_000, duckdb += 8 * MB) a = watch.sample();
    expect(a.suspected).toBe(false);
    expect(Math.abs(a.bytesPerHour)).toBeLessThan(MB);
    // the rest of the process climbing is, whatever DuckDB does meanwhile
    for (let i = 0; i <= 60; i++, t += 30_000, other += 4 * MB) a = watch.sample();
    expect(a.suspected).toBe(true);
  });
});
