/**
 * A query the store cannot answer because of what the caller sent (a malformed cursor, a bad
 * severity, too many filters). The HTTP layer maps it to 400; everything else a store throws is a 500.
 */
export class StoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreQueryError';
  }
}

/** Why a read stopped before it finished (`saturated`: it never started, too many were waiting). */
export type InterruptReason = 'deadline' | 'cancelled' | 'shutdown' | 'saturated';

/**
 * A read the store stopped on purpose: it ran past its deadline, the caller gave up (the HTTP client
 * disconnected), or the server is shutting down. The HTTP layer maps it to 503 with Retry-After.
 */
export class StoreQueryInterrupted extends Error {
  constructor(
    readonly reason: InterruptReason,
    message: string,
  ) {
    super(message);
    this.name = 'StoreQueryInterrupted';
  }
}
