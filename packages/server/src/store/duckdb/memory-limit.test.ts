import { describe, expect, it } from 'vitest';
import { defaultMemoryLimit } from './memory-limit.js';

const GB = 1024 ** 3;

describe('defaultMemoryLimit', () => {
  it('is a quarter of the memory available, between 256 MB and 2 GB', () => {
    expect(defaultMemoryLimit(4 * GB)).toBe('1024MB');
    expect(defaultMemoryLimit(24 * GB)).toBe('2048MB');
    expect(defaultMemoryLimit(512 * 1024 ** 2)).toBe('256MB');
  });
  it('is bounded on this machine too (never DuckDB’s 80% of RAM)', () => {
    const mb = Number(defaultMemoryLimit().replace('MB', ''));
    expect(mb).toBeGreaterThanOrEqual(256);
    expect(mb).toBeLessThanOrEqual(2048);
  });
});
