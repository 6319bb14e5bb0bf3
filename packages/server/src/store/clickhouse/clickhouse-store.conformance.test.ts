import { afterAll, beforeAll } from 'vitest';
import { runStoreConformance } from '../conformance.js';
import { openClickHouseStore } from './clickhouse-store.js';
import { type ChdbServer, startChdbServer } from './test-chdb.js';

// A real ClickHouse engine (chdb, embedded in a child process behind a ClickHouse-compatible HTTP
// server), reached through @clickhouse/client over HTTP as in production. One data directory for
// the file; every test gets its own database, so tests never see each other's rows.
let server: ChdbServer;
beforeAll(async () => {
  server = await startChdbServer();
});
afterAll(async () => {
  await server?.cleanup();
});

let n = 0;
runStoreConformance('clickhouse (chdb over HTTP)', async () => {
  const database = `conformance_${process.pid}_${n++}`;
  const open = () =>
    openClickHouseStore({
      url: server.url,
      database,
      username: 'default',
      password: '',
      queryTimeoutMs: 20_000,
    });
  return {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      const { ChClient } = await import('./ch-client.js');
      const c = new ChClient({ url: server.url, username: 'default', password: '', queryTimeoutMs: 20_000 });
      await c.command(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.close();
    },
  };
});
