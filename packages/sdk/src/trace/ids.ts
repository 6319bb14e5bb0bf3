import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids from a pooled buffer of cryptographic randomness: one `randomFillSync`
 * call per 4 KiB instead of one per id keeps id generation off the span hot path.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  // An all-zero id is invalid in W3C trace context; with 64+ random bits this is practically never.
  return hex === '0000000000000000' || hex === '00000000000000000000000000000000' ? take(bytes) : hex;
}

/** 16 random bytes as 32 lowercase hex characters. */
export const newTraceId = (): string => take(16);
/** 8 random bytes as 16 lowercase hex characters. */
export const newSpanId = (): string => take(8);
