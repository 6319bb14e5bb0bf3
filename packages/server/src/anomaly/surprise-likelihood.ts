/**
 * Turns each component's raw surprise into a number comparable across series: how unusual the
 * recent surprise is against that component's own history on this series. It is NAB's "anomaly
 * likelihood" idea (Ahmad et al. 2017) on exponentially weighted statistics, so the state is four
 * numbers per component instead of a window of past scores, all in one Float64Array.
 *
 * `z(i, s)` returns a z-score; the detector maps the largest one through normalSurprise (monotone),
 * so the expensive tail function runs once per point, not once per component.
 */
export class SurpriseLikelihoods {
  // per component: mean, variance, short average, count
  private readonly state: Float64Array;

  /** @param alpha weight of each new value in the long-run statistics (1/250 ≈ a 250-point memory) */
  constructor(
    components: number,
    private readonly alpha: number,
  ) {
    this.state = new Float64Array(components * 4);
  }

  /** z-score of component i's recent surprise against its history (−∞ until 20 values), then learn s. */
  z(i: number, surprise: number): number {
    const st = this.state;
    const o = i * 4;
    // Cap: beyond 50 nats (p < 2e-22) everything is equally certain, and one absurd value must
    // not inflate the variance so much that the component goes deaf for thousands of points.
    const s = Math.min(surprise, MAX_SURPRISE);
    const mean = st[o];
    const variance = st[o + 1];
    // A short average (≈3 points) so one noisy point weighs less than a sustained change.
    const short = st[o + 2] + 0.3 * (s - st[o + 2]);
    const n = st[o + 3] + 1;
    const z = (short - mean) / (Math.sqrt(variance) + 1e-9);
    const a = Math.max(this.alpha, 1 / n);
    const d = s - mean;
    st[o] = mean + a * d;
    st[o + 1] = (1 - a) * (variance + a * d * d);
    st[o + 2] = short;
    st[o + 3] = n;
    return n < MIN_HISTORY ? Number.NEGATIVE_INFINITY : z;
  }
}

const MAX_SURPRISE = 50;
const MIN_HISTORY = 20;
