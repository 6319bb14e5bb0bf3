export type * from './types.js';
export { StoreQueryError } from './query-error.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  type AppenderCeilingOptions,
  type DuckDbStoreOptions,
  DuckDbStore,
  appendRawForBenchmark,
  measureAppenderCeiling,
  openDuckDbStore,
} from './duckdb/index.js';
// The conformance suite imports vitest, so it is not re-exported here (production code must not
// load vitest): engines import `runStoreConformance` from './conformance.js'.
