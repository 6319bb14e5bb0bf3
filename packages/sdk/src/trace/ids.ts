import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids, cheap enough for the span hot path: 4 KiB of cryptographic randomness
 * is turned into one 8 KiB hex string at a time, and each id is a substring of it (V8 makes that a
 * slice, not a copy). One native call per ~170 spans instead of one or two per span.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let hex = '';
let offset = 0;

function take(chars: number): string {
  if (offset + chars > hex.length) {
    randomFillSync(pool);
    hex = pool.toString('hex');
    offset = 0;
  }
  const id = hex.substring(offset, offset + chars);
  offset += chars;
  // An all-zero id is invalid in W3C trace context; with 64+ random bits this is practically never.
  return id === ZERO_SPAN || id === ZERO_TRACE ? take(chars) : id;
}

const ZERO_SPAN = '0'.repeat(16);
const ZERO_TRACE = '0'.repeat(32);

/** 16 random bytes as 32 lowercase hex characters. */
export const newTraceId = (): string => take(32);
/** 8 random bytes as 16 lowercase hex characters. */
export const newSpanId = (): string => take(16);
