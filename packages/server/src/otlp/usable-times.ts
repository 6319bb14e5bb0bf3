/**
 * Which records are structurally valid but unusable: they are left out and counted in
 * partial_success rather than failing the whole request. Times must fit a signed 64-bit nanosecond
 * timestamp (up to the year 2262): the store keeps them as BIGINT/TIMESTAMP_NS, and one out-of-range
 * value would otherwise fail the group commit that other requests share.
 */
const MAX_TIME_NS = 2n ** 63n - 1n;

/** Why a span cannot be stored, or null when it can. */
export function spanTimeProblem(start: bigint, end: bigint): string | null {
  if (start === 0n) return 'span without start time';
  if (end < start) return 'span ends before it starts';
  if (end > MAX_TIME_NS) return 'span time beyond the year 2262';
  return null;
}

/** Why a log record cannot be stored, or null. `time` already falls back to the observed time. */
export function logTimeProblem(time: bigint, observed: bigint): string | null {
  if (time === 0n) return 'log record without time';
  if (time > MAX_TIME_NS || observed > MAX_TIME_NS) return 'log time beyond the year 2262';
  return null;
}
