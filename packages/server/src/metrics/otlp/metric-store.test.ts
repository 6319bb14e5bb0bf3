import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../http/index.js';
import { ConnectionPool, StoreQueryInterrupted } from '../../store/index.js';
import { metricsQueryRoutes } from '../query-route.js';
import { emptyPoint, type MetricPoint } from './metric-point.js';
import { MAX_LISTED_METRICS, MetricPointStore } from './metric-store.js';

const T0 = 1_700_000_000_000_000_000n;

describe('MetricPointStore reads run under the store deadline (real DuckDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-mps-'));
  let instance: DuckDBInstance;
  let slow: MetricPointStore;
  let pool: ConnectionPool;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(join(dir, 'm.duckdb'));
    pool = new ConnectionPool([await instance.connect()], { timeoutMs: 1 });
    slow = await MetricPointStore.open(await instance.connect(), pool);
    const points: MetricPoint[] = [];
    for (let i = 0; i < 300_000; i++) {
      const p = emptyPoint();
      p.metric = 'load';
      p.timeUnixNano = T0 + BigInt(i) * 1_000_000n;
      p.value = i;
      p.attributes = { route: `/r${i % 1000}`, host: `h${i % 7}` };
      points.push(p);
    }
    await slow.append('default', points);
  }, 60_000);
  afterAll(() => {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = {
    project: 'default',
    metric: 'load',
    fromNs: 0n,
    toNs: T0 * 2n,
    attributes: { host: 'h1' },
    groupBy: 'route',
  };

  it('a read past its deadline is interrupted (StoreQueryInterrupted, deadline)', async () => {
    const err = await slow.query(all).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreQueryInterrupted);
    expect((err as StoreQueryInterrupted).reason).toBe('deadline');
  });

  it('a read whose client left is cancelled, and the route answers 503 for a stopped read', async () => {
    const gone = new AbortController();
    gone.abort();
    const err = await slow.query(all, { signal: gone.signal }).catch((e: unknown) => e);
    expect((err as StoreQueryInterrupted).reason).toBe('cancelled');
    const app = createApp();
    app.route('/', metricsQueryRoutes({ store: () => null, points: () => slow }));
    const res = await app.request(
      `/api/metrics/query?metric=load&groupBy=route&attr.host=h1&from=${Number(T0 / 1_000_000n)}&to=${Number(T0 / 1_000_000n) + 600_000}&step=60`,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('after shutdown starts, reads are refused at once', async () => {
    pool.interruptAll();
    const err = await slow.listMetrics('default').catch((e: unknown) => e);
    expect((err as StoreQueryInterrupted).reason).toBe('shutdown');
  });
});

describe('MetricPointStore.listMetrics is bounded', () => {
  it(`names at most ${MAX_LISTED_METRICS} metrics, alphabetically first`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-mpl-'));
    const instance = await DuckDBInstance.create(join(dir, 'm.duckdb'));
    try {
      const store = await MetricPointStore.open(await instance.connect());
      const points = Array.from({ length: 1500 }, (_, i) => {
        const p = emptyPoint();
        p.metric = `m.${String(i).padStart(4, '0')}`;
        p.timeUnixNano = T0;
        p.value = 1;
        return p;
      });
      await store.append('default', points);
      const listed = await store.listMetrics('default');
      expect(listed).toHaveLength(MAX_LISTED_METRICS);
      expect(listed[0].metric).toBe('m.0000');
      expect(listed.at(-1)?.metric).toBe('m.0999');
    } finally {
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MetricPointStore projects', () => {
  it('keeps each project to its own points, and gives a table from before projects to default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-mpp-'));
    const instance = await DuckDBInstance.create(join(dir, 'm.duckdb'));
    try {
      const conn = await instance.connect();
      // the table as Witness created it before projects, with one point in it
      await conn.run(`CREATE TABLE metric_points (metric VARCHAR NOT NULL, type VARCHAR NOT NULL, unit VARCHAR NOT NULL,
        description VARCHAR NOT NULL, temporality VARCHAR, monotonic BOOLEAN, service_name VARCHAR NOT NULL,
        scope_name VARCHAR NOT NULL, start_ns BIGINT NOT NULL, time_ns BIGINT NOT NULL, attributes VARCHAR NOT NULL,
        resource VARCHAR NOT NULL, value DOUBLE, count DOUBLE, sum DOUBLE, min DOUBLE, max DOUBLE, detail VARCHAR)`);
      await conn.run(
        `INSERT INTO metric_points VALUES ('old.gauge', 'gauge', '', '', NULL, NULL, 'svc', '', 0, ${T0}, '{}', '{}', 1, NULL, NULL, NULL, NULL, NULL)`,
      );
      const store = await MetricPointStore.open(conn);
      const point = (metric: string, value: number) => {
        const p = emptyPoint();
        p.metric = metric;
        p.timeUnixNano = T0;
        p.value = value;
        return p;
      };
      await store.append('alpha', [point('shared', 1), point('alpha.only', 2)]);
      await store.append('beta', [point('shared', 100)]);
      const names = async (project: string) => (await store.listMetrics(project)).map((m) => m.metric);
      expect(await names('default')).toEqual(['old.gauge']);
      expect(await names('alpha')).toEqual(['alpha.only', 'shared']);
      expect(await names('beta')).toEqual(['shared']);
      expect(await store.describe('beta', 'alpha.only')).toBeNull();
      const values = async (project: string) =>
        (await store.query({ project, metric: 'shared', fromNs: 0n, toNs: T0 * 2n })).map((p) => p.value);
      expect(await values('alpha')).toEqual([1]);
      expect(await values('beta')).toEqual([100]);
      expect(await store.projects()).toEqual(['alpha', 'beta', 'default']);
      // opening again does not migrate twice
      await MetricPointStore.open(conn);
      expect(await names('default')).toEqual(['old.gauge']);
    } finally {
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
