import { describe, expect, it } from 'vitest';
import { forecastCost, HOUR_MS, monthBounds } from './cost-forecast.js';

const NOW = Date.UTC(2026, 2, 10, 12, 30); // 10 March 2026, 12:30 UTC
const THIS_HOUR = Date.UTC(2026, 2, 10, 12);

/** Hourly cost from `hours` before the current hour up to and including it. */
function hourly(hours: number, cost: (t: number) => number): Map<number, number> {
  const m = new Map<number, number>();
  for (let t = THIS_HOUR - hours * HOUR_MS; t <= THIS_HOUR; t += HOUR_MS) m.set(t, cost(t));
  return m;
}

describe('forecastCost', () => {
  it('a flat $2/h: the budget runs out after the exact number of hours it has left', () => {
    const series = hourly(20 * 24, () => 2);
    // complete hours of March: 9 days + 12 h = 228 h → $456; the current hour has $2 so far
    const f = forecastCost(series, 500, NOW);
    expect(f.spentUsd).toBe(458);
    expect(f.status).toBe('will_exhaust');
    // $44 left after the complete hours = 22 hours from 12:00 → spent during the hour ending 10:00 next day
    expect(f.exhaustedAtMs).toBe(Date.UTC(2026, 2, 11, 10));
    expect(f.hourlyRateUsd).toBeCloseTo(2, 9);
    expect(f.historyHours).toBe(14 * 24);
    // to the end of March: 456 + 2 × (31 × 24 − 228) hours
    expect(f.forecastMonthUsd).toBeCloseTo(456 + 2 * (744 - 228), 3);
    expect(f.monthEndMs).toBe(Date.UTC(2026, 3, 1));
  });

  it('a daily cycle ($5/h 08:00–20:00 UTC, nothing at night): the budget runs out in working hours, on the right hour', () => {
    const day = (t: number) => {
      const h = new Date(t).getUTCHours();
      return h >= 8 && h < 20 ? 5 : 0;
    };
    const series = hourly(20 * 24, day);
    const f = forecastCost(series, 1500, NOW);
    // complete hours of March: 9 days × $60 + 4 hours (08–12) × $5 = $560; $940 left.
    // From 12:00 on the 10th: 8 h → $40 (600), then $60 a day: 15 days → $900 (1500) by 20:00 on the 25th
    expect(f.spentUsd).toBe(565);
    expect(f.status).toBe('will_exhaust');
    expect(f.exhaustedAtMs).toBe(Date.UTC(2026, 2, 25, 20));
    // a model without the season would spread the spend over the night and miss by hours
  });

  it('on track when the forecast to the end of the month stays under the budget', () => {
    const f = forecastCost(
      hourly(20 * 24, () => 2),
      10_000,
      NOW,
    );
    expect(f.status).toBe('on_track');
    expect(f.exhaustedAtMs).toBeNull();
    expect(f.forecastMonthUsd).toBeLessThan(10_000);
  });

  it('exhausted when already spent; insufficient history under two days', () => {
    expect(
      forecastCost(
        hourly(20 * 24, () => 2),
        100,
        NOW,
      ),
    ).toMatchObject({ status: 'exhausted', exhaustedAtMs: NOW });
    expect(
      forecastCost(
        hourly(30, () => 2),
        1000,
        NOW,
      ),
    ).toMatchObject({
      status: 'insufficient_history',
      exhaustedAtMs: null,
      forecastMonthUsd: null,
      historyHours: 30,
    });
  });

  it('month bounds are UTC calendar months', () => {
    expect(monthBounds(Date.UTC(2026, 1, 28, 23, 59))).toEqual({
      startMs: Date.UTC(2026, 1, 1),
      endMs: Date.UTC(2026, 2, 1),
    });
  });
});
