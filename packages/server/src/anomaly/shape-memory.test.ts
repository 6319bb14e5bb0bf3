import { describe, expect, it } from 'vitest';
import { ShapeMemory } from './shape-memory.js';

const shape = (...xs: number[]) => Float64Array.from(xs);

describe('ShapeMemory (byte-quantised boxes)', () => {
  it('a learnt shape is not novel; a shape far from every box is, by its mean distance', () => {
    const m = new ShapeMemory(4, 8, 0.85);
    expect(m.present(shape(0.11, 0.21, 0.31, 0.41), 0)).toBe(0); // empty memory: nothing to compare
    expect(m.present(shape(0.11, 0.21, 0.31, 0.41), 0)).toBe(0); // rounding outwards keeps it covered
    expect(m.present(shape(0.111, 0.211, 0.311, 0.411), 0)).toBe(0); // within the same byte steps
    // 0.5 away in each dimension from the one box: novelty ≈ 0.5 (within the 1/255 quantum)
    expect(m.present(shape(0.61, 0.71, 0.81, 0.91), 0)).toBeCloseTo(0.5, 1);
  });

  it('forgets the least recently used box when full', () => {
    const m = new ShapeMemory(2, 2, 0.95);
    m.present(shape(0, 0), 0); // box A
    m.present(shape(1, 1), 0); // box B
    m.present(shape(0, 0), 0); // A used again: B is now the oldest
    m.present(shape(0, 1), 0); // new box C replaces B
    expect(m.present(shape(0, 0), 0)).toBe(0); // A kept
    expect(m.present(shape(1, 1), 0)).toBeGreaterThan(0.4); // B gone: novel again
  });

  it('clamps shapes outside the unit cube instead of wrapping bytes', () => {
    const m = new ShapeMemory(2, 4, 0.85);
    m.present(shape(-3, 7), 0);
    expect(m.present(shape(0, 1), 0)).toBe(0);
  });
});
