import { WORKBOOK_PAIRS } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import {
  budgetRemaining,
  burnFactorFor,
  burnRate,
  errorBudget,
  exhaustionTime,
  pairFiring,
} from './burn-rate.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('burn-rate math against the SRE workbook (chapter 5)', () => {
  it('derives the workbook factors from "budget spent within the alert window" for a 30-day SLO', () => {
    // Table 5-8: 2% in 1 h → 14.4; 5% in 6 h → 6; 10% in 1 d → 3; 10% in 3 d → 1.
    expect(burnFactorFor(0.02, HOUR, 30 * DAY)).toBeCloseTo(14.4, 10);
    expect(burnFactorFor(0.05, 6 * HOUR, 30 * DAY)).toBeCloseTo(6, 10);
    expect(burnFactorFor(0.1, DAY, 30 * DAY)).toBeCloseTo(3, 10);
    expect(burnFactorFor(0.1, 3 * DAY, 30 * DAY)).toBeCloseTo(1, 10);
    expect(WORKBOOK_PAIRS.map((p) => [p.factor, p.long / 60_000, p.short / 60_000])).toEqual([
      [14.4, 60, 5],
      [6, 360, 30],
      [3, 1440, 120],
      [1, 4320, 360],
    ]);
  });

  it('a 99.9% SLO with 1.44% errors burns at 14.4 (the workbook: "error rate 14.4× the budget")', () => {
    expect(errorBudget(0.999)).toBeCloseTo(0.001, 12);
    expect(burnRate({ total: 100_000, bad: 1440 }, 0.999)).toBeCloseTo(14.4, 9);
    // just under the page threshold over the long window, over it on the short: no page
    const long = burnRate({ total: 100_000, bad: 1439 }, 0.999);
    const short = burnRate({ total: 10_000, bad: 500 }, 0.999);
    expect(pairFiring(long, short, 14.4)).toBe(false);
    expect(pairFiring(burnRate({ total: 100_000, bad: 1440 }, 0.999), short, 14.4)).toBe(true);
  });

  it("the short window resets the alert once errors stop (the workbook's reason for it)", () => {
    // 1 h long window still averages 20× after a 10-minute 100% outage; 5 m window is clean again.
    const long = burnRate({ total: 6000, bad: 1000 }, 0.99); // 16.7% errors / 1% budget = 16.7
    const short = burnRate({ total: 500, bad: 0 }, 0.99);
    expect(long).toBeCloseTo(16.67, 2);
    expect(short).toBe(0);
    expect(pairFiring(long, short, 14.4)).toBe(false);
  });

  it('no events is no data, not a burn: nothing fires and the budget is unknown', () => {
    expect(burnRate({ total: 0, bad: 0 }, 0.99)).toBeNull();
    expect(budgetRemaining({ total: 0, bad: 0 }, 0.99)).toBeNull();
    expect(pairFiring(null, 20, 14.4)).toBe(false);
  });

  it('budget remaining: 0.5% errors against a 1% budget leaves half; 2% errors overspends it', () => {
    expect(budgetRemaining({ total: 1000, bad: 5 }, 0.99)).toBeCloseTo(0.5, 12);
    expect(budgetRemaining({ total: 1000, bad: 20 }, 0.99)).toBeCloseTo(-1, 12);
    expect(budgetRemaining({ total: 1000, bad: 0 }, 0.99)).toBe(1);
  });

  it('forecasts exhaustion: half a 30-day budget left at burn rate 1 lasts 15 days; at 14.4 about 25 h', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(exhaustionTime(0.5, 1, 30 * DAY, now)).toBe(now + 15 * DAY);
    expect((exhaustionTime(0.5, 14.4, 30 * DAY, now)! - now) / HOUR).toBeCloseTo(25, 9);
    expect(exhaustionTime(0.5, 0, 30 * DAY, now)).toBeNull();
    expect(exhaustionTime(-0.2, 3, 30 * DAY, now)).toBe(now);
  });
});
