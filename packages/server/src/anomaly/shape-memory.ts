/**
 * Adaptive-resonance memory of recent shapes (the idea behind ARTime, Fuzzy ART with complement
 * coding, written as hyper-boxes). Each category is a box [lo, hi] in the unit cube of shape
 * space. A new shape joins the nearest box if the grown box stays within the vigilance limit
 * (resonance, the box learns); otherwise it founds a new box, replacing the least recently used
 * one when memory is full. Novelty = how far the shape lies outside every box (mean per
 * dimension), 0 for a shape already covered.
 *
 * State: one Uint8Array of capacity·(2·dims + 1) bytes (408 B at 24 × 8), per box
 * [lo × dims, hi × dims, recency rank]. Box edges are quantised to 1/255 of the unit range, rounded
 * outwards when a box learns (a box never fails to cover a shape it has learnt): the novelty of a
 * shape moves by at most 1/255, far below the vigilance (a box may span 1.2 in total), and the
 * memory is a quarter of float32 boxes — it is most of a live series' bytes (issue 11: ≤ 4 KiB).
 * The rank is the box's place in least-recently-used order (0 = just used).
 */
export class ShapeMemory {
  private readonly state: Uint8Array;
  private readonly stride: number;
  private count = 0;
  private lastBox = 0;
  private readonly maxBoxSize: number;

  /**
   * @param dims dimensions of a shape vector (components in [0, 1])
   * @param capacity number of boxes kept (≤ 255: the rank is one byte)
   * @param vigilance 0..1: a box may grow to dims·(1 − vigilance) in total width
   */
  constructor(
    private readonly dims: number,
    private readonly capacity: number,
    vigilance: number,
  ) {
    if (capacity > 255) throw new RangeError('ShapeMemory: at most 255 boxes');
    this.stride = 2 * dims + 1;
    this.state = new Uint8Array(capacity * this.stride);
    this.maxBoxSize = dims * (1 - vigilance) * LEVELS;
  }

  /**
   * Novelty of the shape v[at .. at + dims) against the memory, then learn it. The shape is
   * rescaled in place to box units (0..255, clamped).
   */
  present(v: Float64Array, at: number): number {
    const d = this.dims;
    const st = this.state;
    for (let i = at; i < at + d; i++) {
      const x = v[i] * LEVELS;
      v[i] = Math.min(LEVELS, Math.max(0, x));
    }
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
    const novelty = nearest < 0 ? 0 : nearestGrowth / (d * LEVELS);
    let k = resonant;
    if (k >= 0) {
      const o = k * this.stride;
      for (let i = 0; i < d; i++) {
        const x = v[at + i];
        if (x < st[o + i]) st[o + i] = Math.floor(x);
        if (x > st[o + d + i]) st[o + d + i] = Math.ceil(x);
      }
    } else {
      if (this.count < this.capacity) {
        k = this.count++;
        st[k * this.stride + 2 * d] = this.count - 1; // the oldest rank until it is used below
      } else {
        k = 0; // least recently used: the highest rank
        for (let j = 1; j < this.capacity; j++) {
          if (st[j * this.stride + 2 * d] > st[k * this.stride + 2 * d]) k = j;
        }
      }
      const o = k * this.stride;
      for (let i = 0; i < d; i++) {
        st[o + i] = Math.floor(v[at + i]);
        st[o + d + i] = Math.ceil(v[at + i]);
      }
    }
    this.touch(k);
    this.lastBox = k;
    return novelty;
  }

  /** Box k becomes the most recently used: every box used more recently than it ages by one. */
  private touch(k: number): void {
    const st = this.state;
    const r = 2 * this.dims;
    const rank = st[k * this.stride + r];
    if (rank === 0) return;
    for (let j = 0; j < this.count; j++) {
      const o = j * this.stride + r;
      if (st[o] < rank) st[o]++;
    }
    st[k * this.stride + r] = 0;
  }
}

/** Box edges in steps of 1/LEVELS of the unit range. */
const LEVELS = 255;
