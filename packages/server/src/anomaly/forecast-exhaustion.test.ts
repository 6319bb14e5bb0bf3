import { describe, expect, it } from 'vitest';
import { budgetExhaustion, levelExhaustion } from './forecast-exhaustion.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1);
const hours = (n: number) => Array.from({ length: n }, (_, t) => T0 + t * HOUR);

/** Deterministic noise in [−0.5, 0.5). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** The first t ≥ from with f(t) ≥ limit. */
function firstCrossing(f: (t: number) => number, from: number, limit: number): number {
  let t = from;
  while (f(t) < limit) t++;
  return t;
}

describe('levelExhaustion (disk filling up)', () => {
  it('a linear series: 100 + 2 per hour reaches 1000 at hour 450, exactly', () => {
    const times = hours(200);
    const values = times.map((_, t) => 100 + 2 * t);
    const r = levelExhaustion({ times, values, period: 0 }, 1000);
    expect(r).toEqual({ at: T0 + 450 * HOUR, steps: 251 });
  });

  it('a noisy linear series lands within 3% of the true date', () => {
    const rnd = noise(7);
    const times = hours(300);
    const values = times.map((_, t) => 100 + 2 * t + 10 * rnd());
    const r = levelExhaustion({ times, values, period: 0 }, 2000);
    const truth = 950; // 100 + 2t = 2000
    expect(r?.steps).not.toBeNull();
    expect(Math.abs(299 + (r?.steps ?? 0) - truth)).toBeLessThan(0.03 * (truth - 299));
  });

  it('a seasonal series: the daily swing decides the hour, and only the seasonal model gets it', () => {
    // 1000 + 5/h with a ±200 daily swing: the limit is first touched at a daily peak
    const x = (t: number) => 1000 + 5 * t + 200 * Math.sin((2 * Math.PI * t) / 24);
    const times = hours(24 * 10);
    const values = times.map((_, t) => x(t));
    const limit = 3000;
    const truth = firstCrossing(x, 240, limit);
    const seasonal = levelExhaustion({ times, values, period: 24 }, limit);
    expect(seasonal?.at).toBe(T0 + truth * HOUR);
    const trendOnly = levelExhaustion({ times, values, period: 0 }, limit);
    expect(Math.abs((trendOnly?.at ?? 0) - (T0 + truth * HOUR))).toBeGreaterThan(3 * HOUR);
  });

  it('no date when the series is flat or falling; null when too short; now when already over', () => {
    const times = hours(100);
    expect(levelExhaustion({ times, values: times.map(() => 5), period: 0 }, 10)).toEqual({
      at: null,
      steps: null,
    });
    expect(
      levelExhaustion({ times, values: times.map((_, t) => 100 - t / 10), period: 0 }, 1000)?.at,
    ).toBeNull();
    expect(levelExhaustion({ times: hours(30), values: Array(30).fill(1), period: 24 }, 10)).toBeNull();
    expect(levelExhaustion({ times, values: times.map((_, t) => t), period: 0 }, 50)).toEqual({
      at: T0 + 99 * HOUR,
      steps: 0,
    });
  });
});

describe('budgetExhaustion (monthly cost budget)', () => {
  it('an hourly cost with a daily cycle spends the budget on the true hour', () => {
    // $10/h on average, $2 at night to $18 in the afternoon
    const rate = (t: number) => 10 + 8 * Math.sin((2 * Math.PI * (t - 9)) / 24);
    const times = hours(24 * 14);
    const values = times.map((_, t) => rate(t));
    const spent = values.reduce((a, b) => a + b, 0);
    const budget = spent + 1000;
    let total = spent;
    const truth = firstCrossing(
      (t) => {
        total += rate(t);
        return total;
      },
      times.length,
      budget,
    );
    const r = budgetExhaustion({ times, values, period: 24 }, spent, budget);
    expect(r?.at).toBe(T0 + truth * HOUR);
  });

  it('a growing linear cost: 1 + 0.01 t per hour', () => {
    const times = hours(500);
    const values = times.map((_, t) => 1 + 0.01 * t);
    const spent = values.reduce((a, b) => a + b, 0);
    let total = spent;
    const truth = firstCrossing(
      (t) => {
        total += 1 + 0.01 * t;
        return total;
      },
      500,
      spent + 2000,
    );
    expect(budgetExhaustion({ times, values, period: 0 }, spent, spent + 2000)?.at).toBe(T0 + truth * HOUR);
  });

  it('a zero rate never spends the budget; spent ≥ budget is now', () => {
    const times = hours(60);
    expect(budgetExhaustion({ times, values: Array(60).fill(0), period: 24 }, 5, 10)?.at).toBeNull();
    expect(budgetExhaustion({ times, values: Array(60).fill(1), period: 24 }, 10, 10)?.steps).toBe(0);
  });
});
