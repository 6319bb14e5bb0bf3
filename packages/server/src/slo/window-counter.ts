/**
 * Rolling counts (events, bad events) of one SLI, answering "how many over the last W" for every
 * window the SLO uses without reading the store again for each.
 *
 * Two tiers. Recent buckets (the last `grace`, at the fine step) are re-read from the store each tick
 * and replaced, so spans that arrive a little late are still counted. Older buckets are final: they
 * are folded, once, into one ring per resolution (a 5 m window is summed from 5 s buckets, a 28 d one
 * from 1 h buckets), so memory stays ~100 buckets per window whatever its length. A sum over a window
 * takes the buckets it covers and the partial one at its far edge in proportion: the error is below
 * one bucket in 30 (the resolution is chosen so).
 */

/** Bucket sizes a window may be summed at; each divides the next, so all fold from the fine step. */
export const RESOLUTIONS_MS = [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000] as const;

/** The resolution for a window: the coarsest at most window/30 (at least 1 s). */
export function resolutionFor(windowMs: number): number {
  let best: number = RESOLUTIONS_MS[0];
  for (const r of RESOLUTIONS_MS) if (r <= windowMs / 30) best = r;
  return best;
}

class Ring {
  readonly keys: Float64Array;
  readonly total: Float64Array;
  readonly bad: Float64Array;
  constructor(
    readonly stepMs: number,
    readonly length: number,
  ) {
    this.keys = new Float64Array(length).fill(-1);
    this.total = new Float64Array(length);
    this.bad = new Float64Array(length);
  }
  add(bucket: number, total: number, bad: number): void {
    const slot = bucket % this.length;
    if (this.keys[slot] !== bucket) {
      this.keys[slot] = bucket;
      this.total[slot] = 0;
      this.bad[slot] = 0;
    }
    this.total[slot] += total;
    this.bad[slot] += bad;
  }
  /** Sum over [fromMs, toMs), the partial bucket at each edge in proportion to its overlap. */
  sum(fromMs: number, toMs: number, out: { total: number; bad: number }): void {
    if (toMs <= fromMs) return;
    const first = Math.floor(fromMs / this.stepMs);
    const last = Math.floor((toMs - 1) / this.stepMs);
    for (let b = Math.max(first, last - this.length + 1); b <= last; b++) {
      const slot = b % this.length;
      if (this.keys[slot] !== b) continue;
      const start = b * this.stepMs;
      const overlap = Math.min(toMs, start + this.stepMs) - Math.max(fromMs, start);
      const share = overlap >= this.stepMs ? 1 : overlap / this.stepMs;
      out.total += this.total[slot] * share;
      out.bad += this.bad[slot] * share;
    }
  }
}

export interface WindowCounterOptions {
  /** The fine step the store is read at (a RESOLUTIONS_MS value at most the finest window's). */
  fineMs: number;
  /** Every window this SLI is asked about. */
  windowsMs: number[];
}

export class WindowCounter {
  /** Everything before this instant is final (folded into the rings); ms, a multiple of fineMs. */
  finalizedUpTo = 0;
  private readonly rings = new Map<number, Ring>();
  /** Recent (not final) buckets at the fine step, by bucket number. */
  private readonly recent = new Map<number, { total: number; bad: number }>();
  readonly fineMs: number;

  constructor(options: WindowCounterOptions) {
    this.fineMs = options.fineMs;
    const cover = new Map<number, number>();
    for (const w of options.windowsMs) {
      const r = Math.max(resolutionFor(w), this.fineMs);
      cover.set(r, Math.max(cover.get(r) ?? 0, w));
    }
    for (const [r, w] of cover) this.rings.set(r, new Ring(r, Math.ceil(w / r) + 2));
  }

  /** Resolutions (bucket sizes) and how far back each reaches: what a backfill must read. */
  levels(): Array<{ stepMs: number; coverMs: number }> {
    return [...this.rings.values()].map((r) => ({ stepMs: r.stepMs, coverMs: (r.length - 2) * r.stepMs }));
  }

  /** Backfill: final counts of one bucket of one level (read from the store at that level's step). */
  addFinal(stepMs: number, bucketStartMs: number, total: number, bad: number): void {
    this.rings.get(stepMs)?.add(Math.floor(bucketStartMs / stepMs), total, bad);
  }

  /** Replace the recent fine buckets from `fromMs` on with what the store holds now. */
  replaceRecent(
    fromMs: number,
    buckets: Iterable<[bucketStartMs: number, total: number, bad: number]>,
  ): void {
    const first = Math.floor(fromMs / this.fineMs);
    for (const b of this.recent.keys()) if (b >= first) this.recent.delete(b);
    for (const [start, total, bad] of buckets) {
      if (total > 0) this.recent.set(Math.floor(start / this.fineMs), { total, bad });
    }
  }

  /** Fold recent buckets before `upToMs` into the rings, once; they are never re-read after. */
  finalize(upToMs: number): void {
    const limit = Math.floor(upToMs / this.fineMs);
    for (const [b, c] of this.recent) {
      if (b >= limit) continue;
      const startMs = b * this.fineMs;
      for (const ring of this.rings.values()) ring.add(Math.floor(startMs / ring.stepMs), c.total, c.bad);
      this.recent.delete(b);
    }
    this.finalizedUpTo = Math.max(this.finalizedUpTo, limit * this.fineMs);
  }

  /** Counts over [now - windowMs, now). */
  over(windowMs: number, now: number): { total: number; bad: number } {
    const out = { total: 0, bad: 0 };
    const from = now - windowMs;
    const ring = this.rings.get(Math.max(resolutionFor(windowMs), this.fineMs));
    ring?.sum(from, Math.min(now, this.finalizedUpTo), out);
    const firstRecent = Math.floor(Math.max(from, this.finalizedUpTo) / this.fineMs);
    for (const [b, c] of this.recent) {
      if (b < firstRecent) continue;
      const start = b * this.fineMs;
      if (start >= now) continue;
      // the fine bucket at the far edge, in proportion like the rings' edges
      const overlap = Math.min(now, start + this.fineMs) - Math.max(from, start);
      const share = overlap >= this.fineMs ? 1 : Math.max(0, overlap / this.fineMs);
      out.total += c.total * share;
      out.bad += c.bad * share;
    }
    return out;
  }

  /** Forget everything (the store was read past its reach, e.g. after a long pause). */
  reset(): void {
    for (const r of this.rings.values()) r.keys.fill(-1);
    this.recent.clear();
    this.finalizedUpTo = 0;
  }
}
