export { ChClient, type ChClientOptions } from './ch-client.js';
export { type ClickHouseStoreOptions, ClickHouseStore, openClickHouseStore } from './clickhouse-store.js';
export { SCHEMA_VERSION as CLICKHOUSE_SCHEMA_VERSION } from './schema.js';
export { ClickHouseCoordination, leaseHolder } from './coordination.js';
export { type ClickHouseConfig, clickHouseOptions } from './from-config.js';
