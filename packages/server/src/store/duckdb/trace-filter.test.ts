import { describe, expect, it } from 'vitest';
import { TraceFilter } from './trace-filter.js';

const id = (n: number) => `feedc0de${n.toString(16).padStart(8, '0')}${'ab'.repeat(8)}`;

describe('TraceFilter', () => {
  it('never forgets an added trace and keeps false positives near 1% as it grows past its first layer', () => {
    const f = new TraceFilter();
    const n = 300_000; // > the first layer's 131,072 (2 × 65,536): it adds layers
    for (let i = 0; i < n; i++) f.add(id(i));
    for (let i = 0; i < n; i++) if (!f.has(id(i))) throw new Error(`lost ${id(i)}`);
    let positives = 0;
    for (let i = n; i < n + 100_000; i++) if (f.has(id(i))) positives++;
    expect(positives / 100_000).toBeLessThan(0.03);
    expect(f.bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('says no for a trace never added to an empty filter', () => {
    expect(new TraceFilter().has(id(1))).toBe(false);
  });
});
