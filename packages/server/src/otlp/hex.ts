/**
 * Bytes → lowercase hex; ids are converted for every span on the hot path. Node's native hexSlice
 * (what `buf.toString('hex', s, e)` calls, without its argument checks) measured 2.2x faster than a
 * 256-entry lookup table joined in JS (110 vs 250 ns per 16-byte id), and it returns a flat string
 * rather than a rope that the store would flatten later. It takes any Uint8Array.
 */
const hexSlice = (
  Buffer.prototype as unknown as { hexSlice: (this: Uint8Array, start: number, end: number) => string }
).hexSlice;

export function toHex(buf: Uint8Array, start: number, end: number): string {
  return hexSlice.call(buf, start, end);
}

/** True when every byte in [start, end) is zero (an all-zero id is invalid in OTLP). */
export function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

const HEX_ID = /^[0-9a-fA-F]+$/;

/** Validates a hex id from OTLP/JSON and returns it lowercased; null when it is not `bytes` long. */
export function normalizeHexId(value: string, bytes: number): string | null {
  if (value.length !== bytes * 2 || !HEX_ID.test(value)) return null;
  const lower = value.toLowerCase();
  return /^0+$/.test(lower) ? null : lower;
}
