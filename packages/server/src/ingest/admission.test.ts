import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';

describe('Admission', () => {
  it('bounds in-flight batches and bytes, always admitting a lone request', () => {
    const a = new Admission({ maxInFlightBytes: 1000, maxInFlightBatches: 2 });
    const t1 = a.tryAcquire(5000); // alone: admitted even over the byte bound
    expect(t1).not.toBeNull();
    expect(a.tryAcquire(1)).toBeNull(); // bytes over
    t1?.release();
    const t2 = a.tryAcquire(10);
    const t3 = a.tryAcquire(10);
    const t4 = a.tryAcquire(10);
    expect(t2?.startBatch()).toBe(true);
    expect(t3?.startBatch()).toBe(true);
    expect(t4?.startBatch()).toBe(false); // batches over
    t2?.release();
    t2?.release(); // releasing twice is harmless
    expect(a.inFlight).toEqual({ bytes: 20, batches: 1 });
    t3?.release();
    t4?.release();
    expect(a.inFlight).toEqual({ bytes: 0, batches: 0 });
    expect(a.rejected).toBe(2);
  });

  it('counts a chunked body as it arrives, refusing the chunk that would pass the bound', () => {
    const a = new Admission({ maxInFlightBytes: 6400, maxInFlightBatches: 10 });
    const big = a.tryAcquire(5000);
    const chunked = a.tryAcquire(0);
    expect(chunked).not.toBeNull();
    expect(chunked?.grow(500)).toBe(true);
    expect(a.inFlight.bytes).toBe(5500);
    // 5500 + 600 is within the budget, but 1100 is no longer a small request: the kept eighth is off limits
    expect(chunked?.grow(600)).toBe(false);
    expect(a.inFlight.bytes).toBe(5500);
    big?.release();
    expect(chunked?.grow(600)).toBe(true); // alone now
    chunked?.release();
    expect(a.inFlight.bytes).toBe(0);
  });

  it('keeps the last eighth of the budget for small requests', () => {
    const a = new Admission({ maxInFlightBytes: 6400, maxInFlightBatches: 100 });
    // large requests (over 6400/64 = 100 bytes) fill up to 7/8 = 5600
    expect(a.tryAcquire(2800)).not.toBeNull();
    expect(a.tryAcquire(2800)).not.toBeNull();
    expect(a.tryAcquire(101)).toBeNull();
    // small ones still get in, up to the whole budget
    for (let i = 0; i < 8; i++) expect(a.tryAcquire(100)).not.toBeNull();
    expect(a.tryAcquire(1)).toBeNull();
  });
});
