/**
 * A robust daily profile: the expected value at each time of day, learned by exponential
 * smoothing per slot (the seasonal term of Holt–Winters without trend). Most operational series
 * (traffic, load, cost) repeat daily, so "unusual for this hour" catches what "unusual overall"
 * misses (a missing daily peak, a flat day). The period comes from the timestamps, never from
 * looking at the series; a series sampled coarser than hourly or with a step above a day has no
 * profile.
 *
 * State: at most `maxSlots` float32 (slots are widened to fit: 5-minute data → 144 slots of 10 min).
 */
export class SeasonalProfile {
  private readonly expected: Float32Array;
  private slots = 0;
  private pointsPerSlot = 1;
  private step = 0;
  private start = 0;
  private n = 0;

  /**
   * @param maxSlots memory bound on the number of slots in a day
   * @param alpha weight of each day's value in its slot (0.2 ≈ the last five days)
   */
  constructor(
    maxSlots: number,
    private readonly alpha: number,
  ) {
    this.expected = new Float32Array(maxSlots).fill(Number.NaN);
  }

  /**
   * Residual |x − expected| at this time of day (NaN while the slot has no history), then learn x.
   * @param timeMs timestamp in milliseconds; the step is the first positive gap between points
   *   (a repeated first timestamp must not switch the profile off)
   */
  residual(x: number, timeMs: number): number {
    if (this.n++ === 0) {
      this.start = timeMs;
      return Number.NaN;
    }
    if (this.step === 0) {
      if (!(timeMs > this.start)) return Number.NaN;
      this.step = timeMs - this.start;
      const perDay = Math.round(DAY_MS / this.step);
      if (perDay < MIN_POINTS_PER_DAY) return Number.NaN;
      this.pointsPerSlot = Math.ceil(perDay / this.expected.length);
      this.slots = Math.round(perDay / this.pointsPerSlot);
    }
    if (this.slots < 2) return Number.NaN;
    const slot = Math.floor((timeMs - this.start) / this.step / this.pointsPerSlot) % this.slots;
    if (!(slot >= 0)) return Number.NaN; // a timestamp before the first one: no slot
    const e = this.expected[slot];
    if (Number.isNaN(e)) {
      this.expected[slot] = x;
      return Number.NaN;
    }
    this.expected[slot] = e + this.alpha * (x - e);
    return Math.abs(x - e);
  }
}

const DAY_MS = 86_400_000;
/** Below hourly sampling a "time of day" has too few points to learn from. */
const MIN_POINTS_PER_DAY = 24;
