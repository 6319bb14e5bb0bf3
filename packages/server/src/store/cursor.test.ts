import { describe, expect, it } from 'vitest';
import { cursorBigInt, decodeCursor, encodeCursor } from './cursor.js';
import { StoreQueryError } from './query-error.js';

describe('page cursors', () => {
  it('round-trip a sort key as URL-safe text', () => {
    const c = encodeCursor(['1750000000000000000', 'ab/+=']);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, 2)).toEqual(['1750000000000000000', 'ab/+=']);
  });
  it('reject anything else with a StoreQueryError naming the cursor', () => {
    for (const bad of [
      '',
      '%%%',
      encodeCursor(['1']),
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad, 2)).toThrow(StoreQueryError);
      expect(() => decodeCursor(bad, 2)).toThrow(/cursor/);
    }
    expect(() => cursorBigInt('12a')).toThrow(StoreQueryError);
    expect(cursorBigInt('-5')).toBe(-5n);
    // int64 bounds: one past them would overflow the BIGINT column compared against.
    expect(cursorBigInt('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(() => cursorBigInt('9223372036854775808')).toThrow(StoreQueryError);
    expect(() => cursorBigInt('-9223372036854775809')).toThrow(StoreQueryError);
  });
});
