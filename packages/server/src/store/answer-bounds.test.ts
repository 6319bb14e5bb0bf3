import { describe, expect, it } from 'vitest';
import { cutAttributeValues, cutString, itemsWithinBudget } from './answer-bounds.js';

describe('answer bounds', () => {
  it('cuts long strings to the limit with an ellipsis, never splitting a surrogate pair', () => {
    expect(cutString('x'.repeat(1_000_000))).toHaveLength(1000);
    expect(cutString('x'.repeat(1_000_000)).endsWith('…')).toBe(true);
    expect(cutString('short')).toBe('short');
    const cut = cutString(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(cutString('abc😀def', 5)).toBe('abc…');
  });

  it('cuts attribute values at any depth', () => {
    const cut = cutAttributeValues({
      a: 'y'.repeat(5000),
      b: 3,
      c: ['z'.repeat(5000)],
      d: { e: 'w'.repeat(5000) },
    });
    expect(cut.a).toHaveLength(1000);
    expect(cut.b).toBe(3);
    expect(cut.c[0]).toHaveLength(1000);
    expect(cut.d.e).toHaveLength(1000);
  });

  it('stops adding items past the budget, but always keeps one', () => {
    const items = Array.from({ length: 10 }, () => ({ s: 'x'.repeat(98) }));
    // each item is 107 JSON characters (+1 separator)
    expect(itemsWithinBudget(items, 1000)).toBe(9);
    expect(itemsWithinBudget(items, 10)).toBe(1);
    expect(itemsWithinBudget([], 10)).toBe(0);
  });
});
