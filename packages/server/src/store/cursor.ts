import { StoreQueryError } from './query-error.js';

/**
 * Page cursors are opaque to clients: base64url of the last item's sort key as a JSON array of
 * strings. Every engine orders newest first with a unique tie-breaker (trace id, log id), so "after
 * this key" neither repeats nor skips an item, whatever is appended meanwhile.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key of a cursor, checked to hold `arity` strings; a StoreQueryError otherwise. */
export function decodeCursor(cursor: string, arity: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((part) => typeof part === 'string')) {
    throw new StoreQueryError('cursor is not one this server issued: pass back nextCursor unchanged');
  }
  return key as string[];
}

/** A cursor part that must be a decimal integer (a time in ns, a sequence number). */
export function cursorBigInt(part: string): bigint {
  const n = /^-?\d{1,20}$/.test(part) ? BigInt(part) : null;
  // Keys are int64 columns: a wider number would overflow in the database (a 500), not mean anything.
  if (n === null || n > INT64_MAX || n < -INT64_MAX - 1n) {
    throw new StoreQueryError('cursor is not one this server issued: pass back nextCursor unchanged');
  }
  return n;
}

const INT64_MAX = 2n ** 63n - 1n;
