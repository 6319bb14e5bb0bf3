import { describe, expect, it } from 'vitest';
import { resolutionFor, WindowCounter } from './window-counter.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('WindowCounter', () => {
  it('picks a resolution of at most a thirtieth of the window', () => {
    expect(resolutionFor(5 * MIN)).toBe(5000);
    expect(resolutionFor(HOUR)).toBe(60_000);
    expect(resolutionFor(28 * 24 * HOUR)).toBe(3_600_000);
    expect(resolutionFor(5000)).toBe(1000);
  });

  it('sums recent (replaceable) and final buckets; a re-read replaces, never adds', () => {
    const c = new WindowCounter({ fineMs: 1000, windowsMs: [30_000, 5000] });
    const t0 = 1_000_000_000_000;
    // 60 s of one span per second, 1 bad in 10
    const buckets = (from: number, to: number) => {
      const out: Array<[number, number, number]> = [];
      for (let t = from; t < to; t += 1000) out.push([t, 1, (t / 1000) % 10 === 0 ? 1 : 0]);
      return out;
    };
    c.replaceRecent(t0, buckets(t0, t0 + 40_000));
    c.replaceRecent(t0 + 20_000, buckets(t0 + 20_000, t0 + 40_000)); // the same again: no double count
    expect(c.over(30_000, t0 + 40_000)).toEqual({ total: 30, bad: 3 });
    c.finalize(t0 + 35_000);
    c.replaceRecent(t0 + 35_000, buckets(t0 + 35_000, t0 + 60_000));
    expect(c.over(30_000, t0 + 60_000)).toEqual({ total: 30, bad: 3 });
    expect(c.over(5000, t0 + 60_000)).toEqual({ total: 5, bad: 0 });
    expect(c.over(5000, t0 + 54_000)).toEqual({ total: 5, bad: 1 });
  });

  it("takes the partial bucket at a window's far edge in proportion", () => {
    const c = new WindowCounter({ fineMs: 60_000, windowsMs: [HOUR] });
    const t0 = 100 * HOUR;
    for (let i = 0; i < 91; i++) c.addFinal(60_000, t0 + i * MIN, 60, 6);
    c.finalize(t0 + 91 * MIN);
    // one hour ending half-way through a minute: 59 whole buckets and two halves
    expect(c.over(HOUR, t0 + 90.5 * MIN)).toEqual({ total: 3600, bad: 360 });
  });
});
