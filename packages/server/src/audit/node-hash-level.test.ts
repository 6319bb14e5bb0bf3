import { hash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeHashLevel } from './node-hash-level.js';

const reference = (left: Uint8Array, right: Uint8Array) =>
  hash('sha256', Buffer.concat([Buffer.from([1]), left, right]), 'buffer') as Buffer;

describe('nodeHashLevel', () => {
  it('equals node:crypto SHA-256(0x01 ‖ left ‖ right) on random pairs and on all-zero / all-0xff bytes', () => {
    const pairs = 4096;
    const below = Buffer.concat([randomBytes(pairs * 64), Buffer.alloc(64, 0), Buffer.alloc(64, 0xff)]);
    // An offset view, as worker and pool buffers are.
    const out = Buffer.alloc(16 + (pairs + 2) * 32).subarray(16);
    nodeHashLevel(below, out);
    for (let p = 0; p < pairs + 2; p++)
      expect(
        out
          .subarray(p * 32, p * 32 + 32)
          .equals(reference(below.subarray(p * 64, p * 64 + 32), below.subarray(p * 64 + 32, p * 64 + 64))),
      ).toBe(true);
  });

  it('refuses a level that is not whole pairs', () => {
    expect(() => nodeHashLevel(Buffer.alloc(96), Buffer.alloc(48))).toThrow(RangeError);
  });
});
