export { ConnectionPool, type ReadConnection } from './connection-pool.js';
export { type DuckDbStoreOptions, DuckDbStore, openDuckDbStore } from './duckdb-store.js';
export {
  type AppenderCeilingOptions,
  appendRawForBenchmark,
  measureAppenderCeiling,
} from './appender-ceiling.js';
