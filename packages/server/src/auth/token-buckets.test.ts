import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-buckets.js';

describe('TokenBuckets', () => {
  it('allows the burst, then refuses with the seconds until a token is back, then refills', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 2, burst: 3, now: () => now });
    expect([b.take('a'), b.take('a'), b.take('a')].every((r) => r.ok)).toBe(true);
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(b.take('b').ok).toBe(true); // buckets are per key
    now = 500;
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a').ok).toBe(false);
  });

  it('keeps at most maxBuckets buckets (an attacker cycling keys resets buckets, never grows memory)', () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 1, maxBuckets: 100, now: () => 0 });
    for (let i = 0; i < 10_000; i++) b.take(`k${i}`);
    expect(b.size).toBe(100);
  });

  it('forgets full buckets', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 10, burst: 2, now: () => now });
    b.take('a');
    expect(b.size).toBe(1);
    now = 10_000;
    b.take('a');
    b.has('a');
    expect(b.size).toBe(1);
  });
});
