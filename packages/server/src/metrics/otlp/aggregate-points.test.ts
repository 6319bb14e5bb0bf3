import { describe, expect, it } from 'vitest';
import {
  aggregatePoints,
  bucketQuantile,
  exponentialToExplicit,
  type StoredPoint,
} from './aggregate-points.js';

function pt(over: Partial<StoredPoint>): StoredPoint {
  return {
    stream: 's',
    group: {},
    timeMs: 0,
    startMs: 0,
    type: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    value: null,
    count: null,
    sum: null,
    bounds: null,
    bucketCounts: null,
    quantiles: null,
    ...over,
  };
}

const win = { fromMs: 60_000, toMs: 180_000, stepSeconds: 60 };

describe('aggregatePoints', () => {
  it('differences cumulative counters per stream (baseline from before the range, resets counted from zero)', () => {
    const points = [
      pt({ timeMs: 30_000, value: 100 }), // baseline, before from
      pt({ timeMs: 90_000, value: 160 }),
      pt({ timeMs: 150_000, value: 10 }), // restart
      pt({ stream: 't', timeMs: 30_000, value: 5 }),
      pt({ stream: 't', timeMs: 150_000, value: 35 }),
    ];
    const [s] = aggregatePoints(points, { ...win, agg: 'increase' });
    expect(s.points).toEqual([
      [60_000, 60],
      [120_000, 40],
    ]);
    const [r] = aggregatePoints(points, { ...win, agg: 'rate' });
    expect(r.points).toEqual([
      [60_000, 1],
      [120_000, 40 / 60],
    ]);
  });

  it('counts the first value of a cumulative stream that started inside the window', () => {
    const points = [
      pt({ startMs: 65_000, timeMs: 70_000, value: 8 }),
      pt({ startMs: 65_000, timeMs: 130_000, value: 11 }),
    ];
    expect(aggregatePoints(points, { ...win, agg: 'increase' })[0].points).toEqual([
      [60_000, 8],
      [120_000, 3],
    ]);
    // started long before: the first value is only a baseline
    const old = [
      pt({ startMs: 1000, timeMs: 70_000, value: 8 }),
      pt({ startMs: 1000, timeMs: 130_000, value: 11 }),
    ];
    expect(aggregatePoints(old, { ...win, agg: 'increase' })[0].points).toEqual([
      [60_000, 0],
      [120_000, 3],
    ]);
  });

  it('adds delta sums as they are', () => {
    const points = [
      pt({ temporality: 'delta', timeMs: 70_000, value: 3 }),
      pt({ temporality: 'delta', timeMs: 80_000, value: 4 }),
    ];
    expect(aggregatePoints(points, { ...win, agg: 'increase' })[0].points).toEqual([
      [60_000, 7],
      [120_000, null],
    ]);
  });

  it('aggregates gauges with avg, min, max and last (summed over streams), grouped by label', () => {
    const points = [
      pt({ type: 'gauge', temporality: null, group: { room: 'a' }, stream: 'a1', timeMs: 61_000, value: 10 }),
      pt({ type: 'gauge', temporality: null, group: { room: 'a' }, stream: 'a1', timeMs: 62_000, value: 20 }),
      pt({ type: 'gauge', temporality: null, group: { room: 'a' }, stream: 'a2', timeMs: 63_000, value: 3 }),
      pt({ type: 'gauge', temporality: null, group: { room: 'b' }, stream: 'b1', timeMs: 64_000, value: 1 }),
    ];
    const get = (agg: 'avg' | 'min' | 'max' | 'last') =>
      Object.fromEntries(
        aggregatePoints(points, { ...win, agg }).map((s) => [s.labels.room, s.points[0][1]]),
      );
    expect(get('avg')).toEqual({ a: 11, b: 1 });
    expect(get('min')).toEqual({ a: 3, b: 1 });
    expect(get('max')).toEqual({ a: 20, b: 1 });
    expect(get('last')).toEqual({ a: 23, b: 1 });
  });

  it('computes quantiles and averages from cumulative histogram bucket deltas', () => {
    const bounds = [1, 2, 4];
    const points = [
      pt({ type: 'histogram', timeMs: 30_000, count: 10, sum: 10, bounds, bucketCounts: [10, 0, 0, 0] }),
      // in range: 100 new observations, all between 2 and 4
      pt({ type: 'histogram', timeMs: 90_000, count: 110, sum: 310, bounds, bucketCounts: [10, 0, 100, 0] }),
    ];
    const p50 = aggregatePoints(points, { ...win, agg: 'p50' })[0].points[0][1];
    expect(p50).toBe(3);
    expect(aggregatePoints(points, { ...win, agg: 'avg' })[0].points[0][1]).toBe(3);
    expect(aggregatePoints(points, { ...win, agg: 'count' })[0].points[0][1]).toBe(100);
  });

  it('averages summary quantiles across streams', () => {
    const points = [
      pt({
        type: 'summary',
        temporality: null,
        stream: 'a',
        timeMs: 61_000,
        count: 1,
        sum: 1,
        quantiles: [[0.99, 4]],
      }),
      pt({
        type: 'summary',
        temporality: null,
        stream: 'b',
        timeMs: 62_000,
        count: 1,
        sum: 1,
        quantiles: [[0.99, 6]],
      }),
    ];
    expect(aggregatePoints(points, { ...win, agg: 'p99' })[0].points[0][1]).toBe(5);
  });
});

describe('bucketQuantile and exponential buckets', () => {
  it('interpolates inside the bucket and answers the last bound for +Inf', () => {
    expect(bucketQuantile(0.5, [1, 2], [0, 10, 0])).toBe(1.5);
    expect(bucketQuantile(0.99, [1, 2], [0, 0, 5])).toBe(2);
    expect(bucketQuantile(0.5, [1], [0, 0])).toBeNull();
  });
  it('turns exponential buckets into explicit upper bounds (scale 0: powers of two)', () => {
    expect(
      exponentialToExplicit({
        scale: 0,
        zeroCount: 1,
        positive: { offset: 0, counts: [2, 3] },
        negative: { offset: 0, counts: [] },
      }),
    ).toEqual({
      bounds: [1, 2, 4],
      counts: [1, 2, 3, 0],
    });
  });
});
