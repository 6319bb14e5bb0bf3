import { fitHoltWinters } from './forecast.js';

export interface ExhaustionInput {
  /** Timestamps (ms), equally spaced, oldest first. */
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Points per season (24 for an hourly series with a daily cycle); 0 or 1 for none. */
  period: number;
  /** How far ahead to look, in steps. @default 10 × the series length */
  horizonSteps?: number;
}

export interface Exhaustion {
  /** When the limit is forecast to be reached (ms), or null if not within the horizon. */
  at: number | null;
  /** Steps after the last point (null with `at`). */
  steps: number | null;
}

/**
 * When a *level* series (disk bytes used, cost spent so far this month) is forecast to reach
 * `limit`, by Holt–Winters fitted on the series. Already at or above the limit: the last point.
 */
export function levelExhaustion(input: ExhaustionInput, limit: number): Exhaustion | null {
  const { times, values } = input;
  const n = values.length;
  if (n > 0 && values[n - 1] >= limit) return { at: times[n - 1], steps: 0 };
  return crossing(input, (h, forecast) => forecast(h) >= limit);
}

/**
 * When a *rate* series (cost per hour, tokens per minute) spends `budget`, given `spent` so far:
 * the first step where spent + the sum of forecast rates reaches the budget. Forecast rates are
 * floored at 0 (a cost never flows back).
 */
export function budgetExhaustion(input: ExhaustionInput, spent: number, budget: number): Exhaustion | null {
  const n = input.values.length;
  if (spent >= budget) return n > 0 ? { at: input.times[n - 1], steps: 0 } : null;
  let total = spent;
  return crossing(input, (h, forecast) => {
    total += Math.max(0, forecast(h));
    return total >= budget;
  });
}

/** null when the series is too short to fit (two seasons, or 10 points without a period). */
function crossing(
  input: ExhaustionInput,
  reached: (h: number, forecast: (h: number) => number) => boolean,
): Exhaustion | null {
  const { times, values, period } = input;
  const n = values.length;
  const model = fitHoltWinters(values, period);
  if (!model || n < 2) return null;
  const step = (times[n - 1] - times[0]) / (n - 1);
  const horizon = input.horizonSteps ?? 10 * n;
  const forecast = (h: number) => model.forecast(h);
  for (let h = 1; h <= horizon; h++) {
    if (reached(h, forecast)) return { at: times[n - 1] + h * step, steps: h };
  }
  return { at: null, steps: null };
}
