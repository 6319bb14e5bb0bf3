/**
 * What every engine's ingested-metric-point table must do (the node's DuckDB file; the ClickHouse
 * database several nodes share): points of one metric in a range oldest first, filtered by service and
 * attributes, grouped, with histogram buckets back; described, listed and scoped by project; cut by
 * retention with the count deleted.
 */
import { expect, it } from 'vitest';
import { emptyPoint, type MetricPoint } from './metric-point.js';
import type { MetricPoints } from './metric-store.js';

export interface OpenedMetricPoints {
  points: MetricPoints;
  close(): Promise<void>;
}

const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

function gauge(i: number, over: Partial<MetricPoint> = {}): MetricPoint {
  return {
    ...emptyPoint(),
    metric: 'queue_depth',
    type: 'gauge',
    unit: '1',
    description: 'items waiting',
    serviceName: i % 2 === 0 ? 'api' : 'worker',
    startTimeUnixNano: T0,
    timeUnixNano: T0 + BigInt(i) * S,
    attributes: { route: `/r${i % 3}`, shard: i % 2 },
    resource: { 'service.name': i % 2 === 0 ? 'api' : 'worker' },
    value: i,
    ...over,
  };
}

export function metricPointsConformance(open: () => Promise<OpenedMetricPoints>): void {
  it('answers a metric in a range oldest first, filtered and grouped, in its project only', async () => {
    const { points, close } = await open();
    try {
      await points.append(
        'p1',
        [0, 1, 2, 3, 4, 5].map((i) => gauge(i)),
      );
      await points.append('p2', [gauge(9)]);
      const q = { project: 'p1', metric: 'queue_depth', fromNs: T0 + S, toNs: T0 + 5n * S };
      const all = await points.query(q);
      expect(all.map((p) => p.value)).toEqual([1, 2, 3, 4]);
      expect(all[0]).toMatchObject({
        timeMs: Number((T0 + S) / 1_000_000n),
        startMs: Number(T0 / 1_000_000n),
        type: 'gauge',
        temporality: null,
        monotonic: null,
        group: {},
      });
      expect(all[0]!.stream).not.toBe(all[1]!.stream); // another service: another stream
      expect((await points.query({ ...q, service: 'api' })).map((p) => p.value)).toEqual([2, 4]);
      expect((await points.query({ ...q, attributes: { route: '/r1' } })).map((p) => p.value)).toEqual([
        1, 4,
      ]);
      // a numeric attribute compares as its JSON text, as on the wire
      expect((await points.query({ ...q, attributes: { shard: '1' } })).map((p) => p.value)).toEqual([1, 3]);
      expect((await points.query({ ...q, groupBy: 'route' })).map((p) => p.group)).toEqual([
        { route: '/r1' },
        { route: '/r2' },
        { route: '/r0' },
        { route: '/r1' },
      ]);
      expect((await points.query({ ...q, groupBy: 'service' })).map((p) => p.group.service)).toEqual([
        'worker',
        'api',
        'worker',
        'api',
      ]);
      expect(await points.query({ ...q, project: 'p2' })).toEqual([]);
    } finally {
      await close();
    }
  });

  it('keeps histogram buckets and sums, and describes and lists metrics per project', async () => {
    const { points, close } = await open();
    try {
      await points.append('p1', [
        gauge(0),
        gauge(1, {
          metric: 'latency',
          type: 'histogram',
          unit: 's',
          description: 'request latency',
          temporality: 'delta',
          value: null,
          count: 6,
          sum: 2.5,
          min: 0.1,
          max: 1.5,
          bounds: [0.5, 1],
          bucketCounts: [3, 2, 1],
        }),
        gauge(2, {
          metric: 'requests',
          type: 'sum',
          temporality: 'cumulative',
          monotonic: true,
          value: 42,
        }),
      ]);
      await points.append('p2', [gauge(3, { metric: 'other' })]);
      const [h] = await points.query({ project: 'p1', metric: 'latency', fromNs: 0n, toNs: T0 * 2n });
      expect(h).toMatchObject({
        type: 'histogram',
        temporality: 'delta',
        count: 6,
        sum: 2.5,
        bounds: [0.5, 1],
        bucketCounts: [3, 2, 1],
        value: null,
      });
      expect(await points.describe('p1', 'requests')).toEqual({ type: 'sum', monotonic: true, unit: '1' });
      expect(await points.describe('p2', 'requests')).toBeNull();
      expect(await points.listMetrics('p1')).toEqual([
        { metric: 'latency', type: 'histogram', unit: 's', description: 'request latency', points: 1 },
        { metric: 'queue_depth', type: 'gauge', unit: '1', description: 'items waiting', points: 1 },
        { metric: 'requests', type: 'sum', unit: '1', description: 'items waiting', points: 1 },
      ]);
      expect(await points.projects()).toEqual(['p1', 'p2']);
    } finally {
      await close();
    }
  });

  it('retention deletes points older than the cut-off in every project and counts them', async () => {
    const { points, close } = await open();
    try {
      await points.append('p1', [gauge(0), gauge(1), gauge(2)]);
      await points.append('p2', [gauge(0), gauge(3)]);
      expect(await points.deleteOlderThan(T0 + 2n * S)).toBe(3);
      const left = async (project: string) =>
        (await points.query({ project, metric: 'queue_depth', fromNs: 0n, toNs: T0 * 2n })).map(
          (p) => p.value,
        );
      expect(await left('p1')).toEqual([2]);
      expect(await left('p2')).toEqual([3]);
    } finally {
      await close();
    }
  });
}
