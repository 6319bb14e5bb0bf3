/** Bytes → lowercase hex through a lookup table: ids are converted for every span on the hot path. */
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

export function toHex(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[buf[i]];
  return out;
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
