/**
 * Adaptive-resonance memory of recent shapes (the idea behind ARTime, Fuzzy ART with complement
 * coding, written as hyper-boxes). Each category is a box [lo, hi] in the unit cube of shape
 * space. A new shape joins the nearest box if the grown box stays within the vigilance limit
 * (resonance, the box learns); otherwise it founds a new box, replacing the least recently used
 * one when memory is full. Novelty = how far the shape lies outside every box (mean per
 * dimension), 0 for a shape already covered.
 *
 * State: one Float32Array of capacity·(2·dims + 1) numbers (1.6 KiB at 24 × 8), laid out per box
 * as [lo × dims, hi × dims, lastUsed].
 */
export class ShapeMemory {
  private readonly state: Float32Array;
  private readonly stride: number;
  private count = 0;
  private clock = 0;
  private lastBox = 0;
  private readonly maxBoxSize: number;

  /**
   * @param dims dimensions of a shape vector (components in [0, 1])
   * @param capacity number of boxes kept
   * @param vigilance 0..1: a box may grow to dims·(1 − vigilance) in total width
   */
  constructor(
    private readonly dims: number,
    private readonly capacity: number,
    vigilance: number,
  ) {
    this.stride = 2 * dims + 1;
    this.state = new Float32Array(capacity * this.stride);
    this.maxBoxSize = dims * (1 - vigilance);
  }

  /** Novelty of the shape v[at .. at + dims) against the memory, then learn it. */
  present(v: Float64Array, at: number): number {
    const d = this.dims;
    const st = this.state;
    this.clock++;
    let nearest = -1;
    let nearestGrowth = Number.POSITIVE_INFINITY;
    let resonant = -1;
    let resonantGrowth = Number.POSITIVE_INFINITY;
    // Start with the box used last: consecutive shapes usually fall in it, and a box that
    // already contains the shape (growth 0) is both the nearest and resonant, so we stop there.
    for (let j = 0; j < this.count; j++) {
      const k = j === 0 ? this.lastBox : j === this.lastBox ? 0 : j;
      const o = k * this.stride;
      let growth = 0;
      let size = 0;
      for (let i = 0; i < d; i++) {
        const lo = st[o + i];
        const hi = st[o + d + i];
        const x = v[at + i];
        const nlo = Math.min(x, lo);
        const nhi = Math.max(x, hi);
        growth += nhi - nlo - (hi - lo);
        size += nhi - nlo;
      }
      if (growth < nearestGrowth) {
        nearestGrowth = growth;
        nearest = k;
      }
      if (size <= this.maxBoxSize && growth < resonantGrowth) {
        resonantGrowth = growth;
        resonant = k;
        if (growth === 0) break;
      }
    }
    const novelty = nearest < 0 ? 0 : nearestGrowth / d;
    let k = resonant;
    if (k >= 0) {
      const o = k * this.stride;
      for (let i = 0; i < d; i++) {
        const x = v[at + i];
        if (x < st[o + i]) st[o + i] = x;
        if (x > st[o + d + i]) st[o + d + i] = x;
      }
    } else {
      k = this.count;
      if (k < this.capacity) this.count++;
      else {
        k = 0; // least recently used
        for (let j = 1; j < this.capacity; j++) {
          if (st[j * this.stride + 2 * d] < st[k * this.stride + 2 * d]) k = j;
        }
      }
      const o = k * this.stride;
      for (let i = 0; i < d; i++) {
        st[o + i] = v[at + i];
        st[o + d + i] = v[at + i];
      }
    }
    st[k * this.stride + 2 * d] = this.clock;
    this.lastBox = k;
    return novelty;
  }
}
