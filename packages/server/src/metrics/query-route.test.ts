import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../http/index.js';
import { decodeMetricsJson } from './otlp/decode-json.js';
import { MetricPointStore } from './otlp/metric-store.js';
import { metricsQueryRoutes } from './query-route.js';

interface Body {
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>;
  error: { message: string };
  metrics: Array<{ metric: string }>;
  [k: string]: unknown;
}

const T0 = Date.UTC(2026, 0, 1); // ms
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

function sumPoint(route: string, atMs: number, value: number) {
  return {
    attributes: [{ key: 'route', value: { stringValue: route } }],
    startTimeUnixNano: ns(T0 - 60_000),
    timeUnixNano: ns(atMs),
    asInt: String(value),
  };
}

const body = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'billing' } }] },
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'http.requests',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  sumPoint('/pay', T0, 0),
                  sumPoint('/pay', T0 + 60_000, 120),
                  sumPoint('/pay', T0 + 120_000, 300),
                  sumPoint('/refund', T0, 0),
                  sumPoint('/refund', T0 + 60_000, 60),
                  sumPoint('/refund', T0 + 120_000, 60),
                ],
              },
            },
            {
              name: 'http.duration',
              unit: 's',
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    timeUnixNano: ns(T0 + 30_000),
                    count: '4',
                    sum: 6,
                    explicitBounds: [1, 2],
                    bucketCounts: ['0', '4', '0'],
                  },
                ],
              },
            },
            { name: 'queue.size', gauge: { dataPoints: [{ timeUnixNano: ns(T0 + 10_000), asDouble: 7 }] } },
          ],
        },
      ],
    },
  ],
};

describe('GET /api/metrics/query over ingested OTLP metrics (real DuckDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-mq-'));
  let instance: DuckDBInstance;
  let points: MetricPointStore;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(join(dir, 'm.duckdb'));
    points = await MetricPointStore.open(await instance.connect());
    await points.append('default', decodeMetricsJson(JSON.stringify(body)));
    // mounted as the server does: the app's error handler turns WitnessError into its status
    app = createApp();
    app.route('/', metricsQueryRoutes({ store: () => null, points: () => points }));
  });
  afterAll(() => {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (q: string) => {
    const res = await app.request(`/api/metrics/query?${q}`);
    return { status: res.status, body: (await res.json()) as Body };
  };

  it('answers a counter as a per-second rate per step, grouped by an attribute', async () => {
    const { status, body } = await get(
      `metric=http.requests&groupBy=route&from=${T0}&to=${T0 + 180_000}&step=60`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'otlp', type: 'sum', agg: 'rate', step: 60 });
    const byRoute = Object.fromEntries(body.series.map((s) => [s.labels.route, s.points]));
    // the point at T0 is the baseline (0), then +120 and +180 over 60 s steps
    expect(byRoute['/pay']).toEqual([
      [T0, 0],
      [T0 + 60_000, 2],
      [T0 + 120_000, 3],
    ]);
    expect(byRoute['/refund'].map((p) => p[1])).toEqual([0, 1, 0]);
  });

  it('filters by attribute and sums increases', async () => {
    const { body } = await get(
      `metric=http.requests&agg=increase&attr.route=/pay&from=${T0}&to=${T0 + 180_000}&step=3m`,
    );
    expect(body.series).toHaveLength(1);
    expect(body.series[0].points).toEqual([[T0, 300]]);
  });

  it('answers histogram quantiles and gauges', async () => {
    const h = await get(`metric=http.duration&agg=p50&from=${T0}&to=${T0 + 60_000}&step=60`);
    expect(h.body.series[0].points).toEqual([[T0, 1.5]]);
    const g = await get(`metric=queue.size&from=${T0}&to=${T0 + 60_000}&step=60`);
    expect(g.body).toMatchObject({ agg: 'avg', series: [{ points: [[T0, 7]] }] });
  });

  it('lists ingested metrics', async () => {
    const res = await app.request('/api/metrics/names');
    const names = ((await res.json()) as Body).metrics.map((m) => m.metric);
    expect(names).toEqual(['http.duration', 'http.requests', 'queue.size']);
  });

  it('refuses bad parameters with a 400 naming them, unknown metrics with 404', async () => {
    expect((await get('metric=queue.size&agg=p95')).status).toBe(400);
    expect((await get('metric=queue.size&agg=median')).body.error.message).toContain('"agg"');
    expect((await get('metric=queue.size&step=0')).body.error.message).toContain('"step"');
    expect((await get(`metric=queue.size&from=${T0}&to=${T0 - 1}`)).status).toBe(400);
    expect((await get(`metric=queue.size&from=0&to=${T0}&step=1`)).body.error.message).toContain(
      'larger step',
    );
    expect((await get('metric=queue.size&bogus=1')).body.error.message).toContain('"bogus"');
    expect((await get('metric=nope')).status).toBe(404);
    // span measures need the store: 503 until it is open
    expect((await get('metric=rate&groupBy=agent')).status).toBe(503);
    expect((await get('metric=rate&groupBy=color')).status).toBe(400);
  });

  it('answers overflowing numbers with a 400 naming the parameter, never a 500', async () => {
    const huge = '9'.repeat(400);
    const cases: Array<[string, string]> = [
      [`metric=queue.size&to=1e308`, '"to"'],
      [`metric=queue.size&to=${huge}`, '"to"'],
      [`metric=queue.size&from=${huge}`, '"from"'],
      [`metric=queue.size&from=${T0}&to=99999999999999999`, '"to"'],
      [`metric=queue.size&from=${T0}&to=${T0 + 60_000}&step=1e308`, '"step"'],
      [`metric=queue.size&from=${T0}&to=${T0 + 60_000}&step=${huge}`, '"step"'],
      [`metric=queue.size&from=${T0}&to=${T0 + 60_000}&step=${huge}d`, '"step"'],
      [`metric=queue.size&from=${T0}&to=${T0 + 60_000}&step=400d`, '"step"'],
      [`metric=rate&from=${T0}&to=${T0 + 60_000}&step=1e308`, '"step"'],
      [`metric=rate&from=0&to=${huge}`, '"to"'],
      // a step that would make too many buckets
      [`metric=queue.size&from=0&to=9223372036854&step=1`, '"step"'],
      [`metric=rate&from=0&to=9223372036854&step=1`, '"step"'],
      [`metric=queue.size&limit=1e308`, '"limit"'],
    ];
    for (const [q, name] of cases) {
      const { status, body } = await get(q);
      expect({ q, status }).toEqual({ q, status: 400 });
      expect(body.error.message).toContain(name);
    }
    // many attr.* filters: each is a JSON extraction per row
    const many = Array.from({ length: 300 }, (_, i) => `attr.k${i}=v`).join('&');
    const filters = await get(`metric=queue.size&${many}`);
    expect(filters.status).toBe(400);
    expect(filters.body.error.message).toContain('at most 10');
    expect((await get(`metric=queue.size&attr.k1=v&attr.k2=v`)).status).toBe(200);
    // the largest accepted range with a step that fits is answered
    const ok = await get(`metric=queue.size&from=0&to=9223372036854&step=366d`);
    expect(ok.status).toBe(200);
    expect(ok.body.series[0].points.some((pt) => pt[1] === 7)).toBe(true);
  });

  it('retention deletes points older than the cut-off and keeps the rest', async () => {
    const deleted = await points.deleteOlderThan(BigInt(T0 + 1) * 1_000_000n);
    expect(deleted).toBe(2); // the two http.requests points at T0
    const left = await points.listMetrics('default');
    expect(left.find((m) => m.metric === 'http.requests')?.points).toBe(4);
  });
});
