/**
 * A query the store cannot answer because of what the caller sent (a malformed cursor, a bad
 * severity). The HTTP layer maps it to 400; everything else a store throws is a 500.
 */
export class StoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreQueryError';
  }
}
