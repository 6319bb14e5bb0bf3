import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViolationRow } from '../types.js';
import { violationsConformance } from '../violations-conformance.js';
import { openClickHouseStore } from './clickhouse-store.js';
import { type ChdbServer, startChdbServer } from './test-chdb.js';

// The same violation cases as DuckDB, on a real ClickHouse engine (chdb behind its HTTP shim) through
// @clickhouse/client, one database per case.
let server: ChdbServer;
beforeAll(async () => {
  server = await startChdbServer();
});
afterAll(async () => {
  await server?.cleanup();
});

let n = 0;
const open = () =>
  openClickHouseStore({
    url: server.url,
    database: `violations_${process.pid}_${n++}`,
    username: 'default',
    password: '',
    queryTimeoutMs: 20_000,
  });

describe('clickhouse governance violations', () => {
  violationsConformance(async () => {
    const store = await open();
    return { violations: await store.violations(), close: () => store.close() };
  });

  it('stores a replayed batch once (one row per span and policy), and another node reads it', async () => {
    const store = await open();
    const database = `violations_${process.pid}_${n - 1}`;
    // a second node over the same database: its own client, its own id sequence
    const other = await openClickHouseStore({
      url: server.url,
      database,
      username: 'default',
      password: '',
      queryTimeoutMs: 20_000,
    });
    try {
      const r: ViolationRow = {
        project: 'p',
        timeNs: 1_700_000_000_000_000_000n,
        policy: 'no-pii',
        severity: 'critical',
        action: 'alert',
        traceId: 't1',
        spanId: 's1',
        spanName: 'llm',
        service: 'svc',
        kind: 'llm',
        agent: null,
        tool: null,
        mode: null,
        matched: {},
      };
      const v = await store.violations();
      await v.append([r, { ...r, spanId: 's2' }]);
      // the spool replays the batch, and another node receives a retry of it
      await v.append([r, { ...r, spanId: 's2' }]);
      await (await other.violations()).append([r]);
      const seen = await (await other.violations()).search({ project: 'p', limit: 10 });
      expect(seen.items.map((x) => x.spanId).sort()).toEqual(['s1', 's2']);
      const s = await v.summary({ project: 'p', fromNs: 0n, toNs: 2n ** 62n, bucketNs: 10n ** 12n });
      expect(s.total).toBe(2);
    } finally {
      await other.close();
      await store.close();
    }
  });
});
