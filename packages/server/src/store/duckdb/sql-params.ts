import type { DuckDBValue } from '@duckdb/node-api';

/**
 * Collects positional parameters while a query is assembled from fixed SQL fragments: every value a
 * caller sent goes through `add`, so no caller text is ever spliced into SQL.
 */
export class SqlParams {
  readonly values: DuckDBValue[] = [];

  add(value: DuckDBValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Page size: 1..1000, default 50 (the API contract). */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.min(1000, Math.max(1, Math.trunc(limit)));
}

/** Milliseconds to whole nanoseconds, for comparisons against BIGINT ns columns. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}
