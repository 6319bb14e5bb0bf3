/**
 * A bucket's p95 latency in fixed memory: durations counted in 64 log-spaced bins (each 2^(1/3) ≈ 1.26×
 * wide, 0.1 ms .. ~210 s, the last bin open-ended). The p95 is the geometric middle of its bin, so it is
 * within ±13% of the exact value: plenty for "latency tripled", and 256 bytes whatever the call count.
 */
const BINS = 64;
const BASE_MS = 0.1;
const PER_DOUBLING = 3;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BINS);
  private total = 0;

  add(ms: number): void {
    const bin = ms <= BASE_MS ? 0 : Math.min(BINS - 1, Math.floor(Math.log2(ms / BASE_MS) * PER_DOUBLING));
    this.counts[bin]! += 1;
    this.total += 1;
  }

  get count(): number {
    return this.total;
  }

  /** The q-quantile (0..1) in ms; null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let bin = 0; bin < BINS; bin++) {
      seen += this.counts[bin]!;
      if (seen >= rank) return BASE_MS * 2 ** ((bin + 0.5) / PER_DOUBLING);
    }
    return BASE_MS * 2 ** ((BINS - 0.5) / PER_DOUBLING);
  }

  clear(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
