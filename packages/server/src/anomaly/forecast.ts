/**
 * Additive Holt–Winters (level + trend + one seasonal period), pure and streaming: the forecasting
 * half of issue 11 ("at this rate the monthly budget is spent on <date>", disk of the data dir).
 * With `period` ≤ 1 it is Holt's linear trend method.
 */
export interface HoltWintersParams {
  /** Level smoothing, 0..1. */
  alpha: number;
  /** Trend smoothing, 0..1. */
  beta: number;
  /** Seasonal smoothing, 0..1 (unused without a period). */
  gamma: number;
  /** Points per season (24 for hourly data with a daily cycle); ≤ 1 for none. */
  period: number;
}

/** Points used to initialise level and trend when there is no season. */
const TREND_INIT = 10;

export class HoltWinters {
  private level = 0;
  private trend = 0;
  private readonly season: Float64Array;
  private n = 0;
  private readonly first: number[] = []; // the first two seasons, to initialise

  constructor(readonly params: HoltWintersParams) {
    this.season = new Float64Array(Math.max(1, params.period));
  }

  /** True once the model has enough points to forecast (two seasons, or 10 points without one). */
  get ready(): boolean {
    return this.n >= this.initLength();
  }

  /** Forecast h ≥ 1 steps after the last point (NaN until ready). */
  forecast(h: number): number {
    if (!this.ready) return Number.NaN;
    const m = this.params.period;
    const s = m > 1 ? this.season[(this.n + h - 1) % m] : 0;
    return this.level + h * this.trend + s;
  }

  /** Learn the next point; returns the one-step-ahead error made before seeing it (NaN while initialising). */
  update(x: number): number {
    const { alpha, beta, gamma, period: m } = this.params;
    if (!this.ready) {
      this.first.push(x);
      this.n++;
      if (this.ready) this.initialise();
      return Number.NaN;
    }
    const slot = m > 1 ? this.n % m : 0;
    const s = m > 1 ? this.season[slot] : 0;
    const error = x - (this.level + this.trend + s);
    const previous = this.level;
    this.level = alpha * (x - s) + (1 - alpha) * (this.level + this.trend);
    this.trend = beta * (this.level - previous) + (1 - beta) * this.trend;
    if (m > 1) this.season[slot] = gamma * (x - this.level) + (1 - gamma) * s;
    this.n++;
    return error;
  }

  private initLength(): number {
    return this.params.period > 1 ? 2 * this.params.period : TREND_INIT;
  }

  /** Level and trend from the means of the first two seasons; seasonal terms from the first two. */
  private initialise(): void {
    const m = this.params.period;
    const x = this.first;
    if (m <= 1) {
      // least-squares line through the first points: x[1] − x[0] alone is mostly noise
      const k = x.length;
      const tMean = (k - 1) / 2;
      let xMean = 0;
      for (const v of x) xMean += v / k;
      let num = 0;
      let den = 0;
      for (let i = 0; i < k; i++) {
        num += (i - tMean) * (x[i] - xMean);
        den += (i - tMean) ** 2;
      }
      this.trend = num / den;
      this.level = xMean + (k - 1 - tMean) * this.trend;
      this.first.length = 0;
      return;
    }
    let a = 0;
    let b = 0;
    for (let i = 0; i < m; i++) {
      a += x[i] / m;
      b += x[m + i] / m;
    }
    this.trend = (b - a) / m;
    for (let i = 0; i < m; i++) {
      // detrended deviation from each season's centre, averaged over the two seasons
      const d1 = x[i] - (a + (i - (m - 1) / 2) * this.trend);
      const d2 = x[m + i] - (b + (i - (m - 1) / 2) * this.trend);
      this.season[i] = (d1 + d2) / 2;
    }
    // state as of the last initial point (index 2m − 1)
    this.level = b + ((m - 1) / 2) * this.trend;
    this.first.length = 0;
  }
}

/** The grid fitHoltWinters searches: coarse on purpose (few points, no overfitting, deterministic). */
const ALPHAS = [0.05, 0.2, 0.5, 0.8];
const BETAS = [0.01, 0.05, 0.2];
const GAMMAS = [0.05, 0.2, 0.5];

/**
 * Fit α, β, γ by the smallest squared error of forecasts `horizon` steps ahead over `values`, and
 * return the model fed with all of them (ready to forecast from the last point). Exhaustion dates
 * are long-range questions, so the default horizon is a tenth of the series (at least one season):
 * one-step error alone rewards models that chase noise with a jittery trend. Needs two seasons of
 * data (10 points without a period); otherwise returns null.
 */
export function fitHoltWinters(
  values: ArrayLike<number>,
  period: number,
  horizon?: number,
): HoltWinters | null {
  const m = period > 1 ? Math.floor(period) : 1;
  const n = values.length;
  if (n < (m > 1 ? 2 * m : TREND_INIT)) return null;
  const h = Math.max(1, Math.floor(horizon ?? Math.max(m, n / 10)));
  const pending = new Float64Array(h);
  let best: HoltWinters | null = null;
  let bestSse = Number.POSITIVE_INFINITY;
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const gamma of m > 1 ? GAMMAS : [0]) {
        const model = new HoltWinters({ alpha, beta, gamma, period: m });
        pending.fill(Number.NaN);
        let sse = 0;
        for (let i = 0; i < n; i++) {
          const x = values[i];
          const predicted = pending[i % h]; // made h steps ago for this point
          if (!Number.isNaN(predicted)) sse += (x - predicted) ** 2;
          model.update(x);
          pending[i % h] = model.forecast(h);
        }
        if (sse < bestSse) {
          bestSse = sse;
          best = model;
        }
      }
    }
  }
  return best;
}
