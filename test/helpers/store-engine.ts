/**
 * Runs an e2e test file's Witness processes on the ClickHouse store engine: a variant file calls
 * `useClickHouseStore()` and then imports the original test file, whose tests run unchanged.
 *
 *   // test/crash.clickhouse.e2e.test.ts
 *   useClickHouseStore();
 *   await import('./crash.e2e.test.js');
 *
 * ClickHouse is a real engine (chdb) behind a ClickHouse-compatible HTTP server in a child process
 * (packages/server/src/store/clickhouse/testing), one per test file; every Witness data directory
 * gets its own database, so a restart on the same directory (the crash test) finds its data again.
 */
import { afterAll } from 'vitest';
import { type ChdbServer, startChdbServer } from '../../packages/server/src/store/clickhouse/test-chdb.js';
import { setStoreEngineEnv } from './witness-process.js';

export function useClickHouseStore(): void {
  let server: Promise<ChdbServer> | null = null;
  const databases = new Map<string, string>();
  setStoreEngineEnv(async (dataDir) => {
    server ??= startChdbServer();
    const s = await server;
    let database = databases.get(dataDir);
    if (database === undefined) {
      database = `e2e_${process.pid}_${databases.size}`;
      databases.set(dataDir, database);
    }
    return {
      WITNESS_STORE_ENGINE: 'clickhouse',
      WITNESS_STORE_CLICKHOUSE_URL: s.url,
      WITNESS_STORE_CLICKHOUSE_DATABASE: database,
    };
  });
  afterAll(async () => {
    setStoreEngineEnv(null);
    if (server) await (await server).cleanup();
  });
}
