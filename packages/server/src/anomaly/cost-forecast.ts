/**
 * "At this rate the monthly cost budget is spent on <date>": Holt–Winters (daily period) on the hourly
 * cost of the last two weeks, added to what the UTC month has spent so far. Pure: takes the hourly
 * points and `now`; the route reads them from the store.
 */
import type { CostForecastJson } from '@witness/protocol';
import { fitHoltWinters } from './forecast.js';
import { budgetExhaustion } from './forecast-exhaustion.js';

export const HOUR_MS = 3_600_000;
/** Hours of history the forecast is fitted on (two weeks: two weekly cycles' worth of days). */
export const HISTORY_HOURS = 14 * 24;
/** Two daily seasons: Holt–Winters needs them to start its seasonal terms. */
const MIN_HISTORY = 48;

export function monthBounds(nowMs: number): { startMs: number; endMs: number } {
  const d = new Date(nowMs);
  return {
    startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/**
 * `hourly`: cost per hour bucket (start ms → USD) covering at least the month so far and the history
 * window; hours without spans count 0. The current, unfinished hour is left out of the fit (it would
 * look like a drop) but counted as spent.
 */
export function forecastCost(
  hourly: ReadonlyMap<number, number>,
  budgetUsd: number,
  nowMs: number,
): CostForecastJson {
  const { startMs, endMs } = monthBounds(nowMs);
  const thisHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  // complete hours of the month; the current hour is replaced by its forecast (it is only partly spent)
  let spentComplete = 0;
  for (const [t, v] of hourly) if (t >= startMs && t < thisHour) spentComplete += v;
  const spent = spentComplete + (hourly.get(thisHour) ?? 0);

  // the fit: complete hours from the first with data in the window (hours without spans cost 0)
  const firstWanted = thisHour - HISTORY_HOURS * HOUR_MS;
  let first = thisHour;
  for (const t of hourly.keys()) if (t >= firstWanted && t < first) first = t;
  const times: number[] = [];
  const values: number[] = [];
  for (let t = first; t < thisHour; t += HOUR_MS) {
    times.push(t);
    values.push(hourly.get(t) ?? 0);
  }
  const last24 = values.slice(-24);
  const hourlyRateUsd = last24.length ? last24.reduce((a, b) => a + b, 0) / last24.length : 0;
  const base = {
    budgetUsd,
    spentUsd: spent,
    monthStartMs: startMs,
    monthEndMs: endMs,
    hourlyRateUsd,
    historyHours: values.length,
  };
  if (spent >= budgetUsd)
    return { ...base, forecastMonthUsd: null, exhaustedAtMs: nowMs, status: 'exhausted' };
  const model = values.length >= MIN_HISTORY ? fitHoltWinters(values, 24) : null;
  if (!model) return { ...base, forecastMonthUsd: null, exhaustedAtMs: null, status: 'insufficient_history' };

  // step h is the hour starting at thisHour + (h − 1)·1h; the month has `hours` of them left
  const hours = Math.round((endMs - thisHour) / HOUR_MS);
  let forecastMonthUsd = spentComplete;
  for (let h = 1; h <= hours; h++) forecastMonthUsd += Math.max(0, model.forecast(h));
  const crossing = budgetExhaustion(
    { times, values, period: 24, horizonSteps: hours },
    spentComplete,
    budgetUsd,
  );
  // `at` is the start of the hour in which the budget runs out: report that hour's end
  const exhaustedAtMs = crossing?.at == null ? null : crossing.at + HOUR_MS;
  return {
    ...base,
    forecastMonthUsd,
    exhaustedAtMs,
    status: exhaustedAtMs === null ? 'on_track' : 'will_exhaust',
  };
}
