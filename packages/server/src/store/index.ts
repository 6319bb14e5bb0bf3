export type * from './types.js';
export { type InterruptReason, StoreQueryError, StoreQueryInterrupted } from './query-error.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  type AppenderCeilingOptions,
  ConnectionPool,
  type DuckDbStoreOptions,
  DuckDbStore,
  appendRawForBenchmark,
  measureAppenderCeiling,
  openDuckDbStore,
} from './duckdb/index.js';
// The conformance suite imports vitest, so it is neither re-exported here nor built into dist (see the
// tsconfig's exclude; test/shipped-code.test.ts holds that): engine tests import it from './conformance.js'.
export {
  type ClickHouseStoreOptions,
  ClickHouseStore,
  clickHouseOptions,
  openClickHouseStore,
} from './clickhouse/index.js';
