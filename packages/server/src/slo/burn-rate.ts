/**
 * The error-budget arithmetic of the SRE workbook (chapter 5, "Alerting on SLOs"), as pure functions.
 * A burn rate of 1 spends exactly the budget over the SLO window; 14.4 spends a 30-day budget's 2%
 * in one hour.
 */

/** Counts over one window. */
export interface WindowCounts {
  total: number;
  bad: number;
}

/** The fraction of events allowed to be bad: 1 - objective. */
export function errorBudget(objective: number): number {
  return 1 - objective;
}

/** Bad events / all events; null with no events (no data is not an error). */
export function errorRatio(c: WindowCounts): number | null {
  return c.total > 0 ? c.bad / c.total : null;
}

/** How fast the budget burns: error ratio / budget. */
export function burnRate(c: WindowCounts, objective: number): number | null {
  const ratio = errorRatio(c);
  return ratio === null ? null : ratio / errorBudget(objective);
}

/**
 * Fraction of the budget left after the window's bad events: 1 - spent, where spent is the error
 * ratio over the window divided by the budget. Negative when overspent; null with no events.
 */
export function budgetRemaining(window: WindowCounts, objective: number): number | null {
  const rate = burnRate(window, objective);
  return rate === null ? null : 1 - rate;
}

/**
 * The factor that spends `budgetFraction` of the budget within `alertWindowMs` of an SLO window
 * `sloWindowMs`: the workbook's 14.4 is budgetFraction 0.02 over 1 h of 30 d.
 */
export function burnFactorFor(budgetFraction: number, alertWindowMs: number, sloWindowMs: number): number {
  return (budgetFraction * sloWindowMs) / alertWindowMs;
}

/** A multiwindow pair fires only while both windows burn at least `factor` (the short one stops it fast). */
export function pairFiring(longRate: number | null, shortRate: number | null, factor: number): boolean {
  // "at least": 1.44% errors on a 99.9% SLO is 14.4 exactly, which floating point makes 14.3999…
  const at = factor * (1 - 1e-9);
  return longRate !== null && shortRate !== null && longRate >= at && shortRate >= at;
}

/**
 * When the budget runs out if it keeps burning at `rate`: at rate r the whole budget lasts
 * windowMs / r, so what is left (`remaining` of it) lasts remaining × windowMs / r. Null when not
 * burning; `now` when already spent.
 */
export function exhaustionTime(
  remaining: number | null,
  rate: number | null,
  sloWindowMs: number,
  now: number,
): number | null {
  if (remaining === null || rate === null || !(rate > 0)) return null;
  if (remaining <= 0) return now;
  return now + (remaining * sloWindowMs) / rate;
}
