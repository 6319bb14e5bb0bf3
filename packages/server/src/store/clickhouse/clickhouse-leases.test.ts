import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseConformance } from '../lease-conformance.js';
import { openClickHouseStore } from './clickhouse-store.js';
import { leaseHolder } from './coordination.js';
import { type ChdbServer, startChdbServer } from './test-chdb.js';

// The same lease and checkpoint cases as DuckDB, on a real ClickHouse engine (chdb behind its HTTP
// shim) through @clickhouse/client, one database per case.
let server: ChdbServer;
beforeAll(async () => {
  server = await startChdbServer();
});
afterAll(async () => {
  await server?.cleanup();
});

let n = 0;
describe('clickhouse leases and shared checkpoints', () => {
  leaseConformance(() =>
    openClickHouseStore({
      url: server.url,
      database: `leases_${process.pid}_${n++}`,
      username: 'default',
      password: '',
      queryTimeoutMs: 20_000,
    }),
  );
});

describe('leaseHolder (the ledger rule every node computes alike)', () => {
  it('ignores claims made while another holds a live lease, and takes over after expiry', () => {
    expect(
      leaseHolder([
        { owner: 'a', at: 0, expires: 10 },
        { owner: 'b', at: 5, expires: 15 }, // a holds it: ignored
        { owner: 'a', at: 8, expires: 18 }, // renewal
        { owner: 'b', at: 18, expires: 28 }, // a expired at 18: b takes it
      ]),
    ).toEqual({ owner: 'b', at: 18, expires: 28 });
    expect(leaseHolder([])).toBeNull();
  });
});
