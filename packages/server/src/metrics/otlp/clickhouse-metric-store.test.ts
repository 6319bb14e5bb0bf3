import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore } from '../../store/clickhouse/clickhouse-store.js';
import { type ChdbServer, startChdbServer } from '../../store/clickhouse/test-chdb.js';
import { ClickHouseMetricPoints } from './clickhouse-metric-store.js';
import { emptyPoint } from './metric-point.js';
import { metricPointsConformance } from './metric-points-conformance.js';

// The same metric point cases as DuckDB, on a real ClickHouse engine (chdb behind its HTTP shim)
// through @clickhouse/client, one database per case.
let server: ChdbServer;
beforeAll(async () => {
  server = await startChdbServer();
});
afterAll(async () => {
  await server?.cleanup();
});

let n = 0;
async function open() {
  const store = await openClickHouseStore({
    url: server.url,
    database: `metric_points_${process.pid}_${n++}`,
    username: 'default',
    password: '',
    queryTimeoutMs: 20_000,
  });
  const { client, target } = store.shared();
  return { points: new ClickHouseMetricPoints(client, target), close: () => store.close() };
}

describe('clickhouse metric points', () => {
  metricPointsConformance(open);

  it('stores a replayed batch once', async () => {
    const { points, close } = await open();
    try {
      const batch = [1, 2].map((i) => ({
        ...emptyPoint(),
        metric: 'm',
        type: 'gauge' as const,
        serviceName: 'svc',
        timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
        attributes: { a: 'x' },
        value: i,
      }));
      await points.append('p', batch);
      await points.append('p', batch); // the spool's replay, or a retry through another node
      const got = await points.query({ project: 'p', metric: 'm', fromNs: 0n, toNs: 2n ** 62n });
      expect(got.map((p) => p.value)).toEqual([1, 2]);
      expect((await points.listMetrics('p'))[0]?.points).toBe(2);
    } finally {
      await close();
    }
  });
});
