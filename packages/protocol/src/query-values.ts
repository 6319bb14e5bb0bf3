/**
 * Building blocks for query parameters. Every number arrives as text and is checked for its exact
 * form and its range here, so a hostile value (1e308, a 400-digit time, NaN, -1, 0x10) is the
 * caller's 400 naming the parameter, never an overflow deeper down.
 */
import { z } from 'zod';

/**
 * The latest instant a signed 64-bit count of nanoseconds can hold (2262-04-11): stored times are
 * int64 nanoseconds, so anything later cannot be compared with them.
 */
export const MAX_EPOCH_MS = 9_223_372_036_854;

/** Free text filters: bounded so a filter cannot become a megabyte of SQL parameter. */
export const text = z.string().min(1).max(1000);

const DECIMAL = /^\d{1,16}(\.\d{1,9})?$/;
const INTEGER = /^\d{1,16}$/;

/**
 * A non-negative decimal number written plainly (`250`, `0.5`), within [min, max]. Exponents, signs,
 * hex, `NaN` and `Infinity` are refused: they are never what a person meant.
 */
export function decimal(min: number, max: number, what: string) {
  return z
    .string()
    .trim()
    .regex(DECIMAL, `expected ${what}: a plain decimal number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .meta({ description: `${what}, ${min}..${max}` });
}

/** A whole number written in digits, within [min, max]. */
export function integer(min: number, max: number, what: string) {
  return z
    .string()
    .trim()
    .regex(INTEGER, `expected ${what}: a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ description: `${what}, ${min}..${max}` });
}

/** A page size: 1..max, `fallback` when absent. */
export function pageLimit(max: number, fallback: number) {
  return integer(1, max, 'a page size')
    .optional()
    .transform((n) => n ?? fallback)
    .meta({ description: `page size, 1..${max} (default ${fallback})` });
}

/** ISO-8601 date or date-time; Date.parse alone also takes forms like "1.5.5" that nobody means as a time. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

/** `from`/`to`: ISO-8601 or epoch milliseconds → epoch milliseconds, 1970..2262. */
export const instantMs = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .transform((value, ctx) => {
    // A 400-digit number becomes Infinity here and fails the range check below, as it should.
    const ms = /^\d+$/.test(value) ? Number(value) : ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected an ISO-8601 time (2026-01-31T12:00:00Z) or epoch milliseconds',
      });
      return z.NEVER;
    }
    if (ms < 0 || ms > MAX_EPOCH_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a time between 1970 and 2262 (epoch milliseconds 0..${MAX_EPOCH_MS})`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'ISO-8601 time (2026-01-31T12:00:00Z) or epoch milliseconds', type: 'string' });

/** `from`/`to` as epoch nanoseconds (what the store compares with). */
export const instantNs = instantMs
  .transform((ms) => BigInt(ms) * 1_000_000n)
  .meta({ description: 'ISO-8601 time (2026-01-31T12:00:00Z) or epoch milliseconds', type: 'string' });

export const TRACE_ID_RE = /^[0-9a-f]{32}$/i;
export const traceId = z
  .string()
  .regex(TRACE_ID_RE, 'expected a trace id: 32 hex characters')
  .transform((s) => s.toLowerCase());

/** Nanoseconds since the epoch as a decimal string (JSON numbers cannot hold them). */
export const nanos = z.string().regex(/^\d+$/).meta({ description: 'nanoseconds since the epoch, decimal' });

/**
 * `from` after `to` is refused (a 400 naming "from") rather than answered with nothing: an empty page
 * would read as "no data" when the caller swapped the two.
 */
export function withOrderedRange<S extends z.ZodObject>(schema: S): S {
  return schema.refine(
    (p: { from?: bigint | number; to?: bigint | number }) =>
      p.from === undefined || p.to === undefined || p.from <= p.to,
    { message: 'must not be after `to`', path: ['from'] },
  );
}
