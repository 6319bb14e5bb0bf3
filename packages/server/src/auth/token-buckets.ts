/**
 * Token buckets by key (an API key id, a client address): each holds at most `burst` tokens and
 * refills at `perSecond`; a request takes one. Pure apart from the clock it is given.
 *
 * Bounded: at most `maxBuckets` buckets are kept. A bucket that has refilled to full carries no
 * information and is the first to go; past the bound the oldest bucket is dropped (Map order is
 * insertion order, and a bucket is re-inserted each time it is touched, so that is the least recently
 * used). An attacker cycling addresses can therefore only reset buckets, not grow memory.
 */
export interface TokenBucketOptions {
  perSecond: number;
  burst: number;
  /** @default 100_000 */
  maxBuckets?: number;
  /** @default Date.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxBuckets: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.maxBuckets = options.maxBuckets ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.options.burst, at: now };
    const tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    return { tokens, at: now };
  }

  private store(key: string, b: Bucket): void {
    this.buckets.delete(key);
    if (b.tokens >= this.options.burst) return; // full: same as absent
    if (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(key, b);
  }

  /** Takes `n` tokens, or says how many whole seconds until they would be there. */
  take(key: string, n = 1): TakeResult {
    const b = this.refilled(key);
    if (b.tokens >= n) {
      b.tokens -= n;
      this.store(key, b);
      return { ok: true };
    }
    this.store(key, b);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((n - b.tokens) / this.options.perSecond)) };
  }

  /** Would `take` succeed? (Does not take.) */
  has(key: string, n = 1): TakeResult {
    const b = this.refilled(key);
    if (b.tokens >= n) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((n - b.tokens) / this.options.perSecond)) };
  }

  get size(): number {
    return this.buckets.size;
  }
}
