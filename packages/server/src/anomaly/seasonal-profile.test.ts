import { describe, expect, it } from 'vitest';
import { SeasonalProfile } from './seasonal-profile.js';

const FIVE_MIN = 300_000;

describe('SeasonalProfile', () => {
  it('learns the value at each time of day and measures the residual from it', () => {
    const p = new SeasonalProfile(144, 0.2);
    // 5-minute data: 288 points a day, 144 slots of two points
    const x = (i: number) => (i % 288 < 144 ? 10 : 50);
    for (let i = 0; i < 288 * 3; i++) p.residual(x(i), i * FIVE_MIN);
    const i = 288 * 3 + 10; // morning slot, expected 10
    expect(p.residual(10, i * FIVE_MIN)).toBeCloseTo(0, 6);
    expect(p.residual(50, (i + 2) * FIVE_MIN)).toBeCloseTo(40, 6);
  });

  it('takes the step from the first positive gap, so a repeated first timestamp does not disable it', () => {
    const p = new SeasonalProfile(144, 0.2);
    p.residual(1, 0);
    p.residual(1, 0);
    let last = Number.NaN;
    for (let i = 1; i < 288 * 2; i++) last = p.residual(1, i * FIVE_MIN);
    expect(last).toBe(0);
  });

  it('stays off for series coarser than hourly', () => {
    const p = new SeasonalProfile(144, 0.2);
    const results: number[] = [];
    for (let i = 0; i < 100; i++) results.push(p.residual(1, i * 2 * 3_600_000));
    expect(results.every(Number.isNaN)).toBe(true);
  });
});
