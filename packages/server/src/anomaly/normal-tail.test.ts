import { describe, expect, it } from 'vitest';
import { normalSurprise } from './normal-tail.js';

describe('normalSurprise', () => {
  // −ln Q(z) from tables of the normal distribution
  it.each([
    [-3, 0.0013508],
    [-1, 0.1727538],
    [0, Math.LN2],
    [1, 1.8410216],
    [2, 3.7831843],
    [3, 6.6077491],
    [5, 15.064998],
    [10, 53.231285],
  ])('−ln Q(%d) ≈ %d within 0.01 nats', (z, expected) => {
    expect(Math.abs(normalSurprise(z) - expected)).toBeLessThan(0.01);
  });

  it('is increasing and finite for huge, infinite or NaN inputs', () => {
    let prev = -1;
    for (let z = -6; z < 60; z += 0.01) {
      const s = normalSurprise(z);
      expect(s).toBeGreaterThan(prev);
      prev = s;
    }
    for (const z of [1e9, Number.POSITIVE_INFINITY, Number.NaN])
      expect(Number.isFinite(normalSurprise(z))).toBe(true);
  });
});
