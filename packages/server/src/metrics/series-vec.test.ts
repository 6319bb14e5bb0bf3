import { describe, expect, it } from 'vitest';
import { CounterVec, HistogramVec, OVERFLOW_VALUE } from './series-vec.js';

describe('CounterVec', () => {
  it('returns the same series for the same label values and counts per series', () => {
    const v = new CounterVec({ name: 'x_total', help: 'x', labelNames: ['a', 'b'] });
    v.get('1', '2').inc();
    v.get('1', '2').inc(2);
    v.get('1', '3').inc();
    expect(v.seriesCount).toBe(2);
    expect(v.series.map((s) => [s.labelText, s.value])).toEqual([
      ['a="1",b="2"', 3],
      ['a="1",b="3"', 1],
    ]);
  });

  it('escapes label values once, when the series is created', () => {
    const v = new CounterVec({ name: 'x_total', help: 'x', labelNames: ['a'] });
    v.get('say "hi"\\\n').inc();
    expect(v.series[0].labelText).toBe('a="say \\"hi\\"\\\\\\n"');
  });

  it('cardinality: 100,000 distinct values stay within the limit, the overflow counter tells what was folded', () => {
    const limit = 500;
    const v = new CounterVec({ name: 'x_total', help: 'x', labelNames: ['user', 'type'], limit });
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) v.get(`user-${i}`, 'input').inc(2);
    const heapAfter = process.memoryUsage().heapUsed;
    expect(v.seriesCount).toBe(limit);
    const overflow = v.series.find((s) => s.labelValues[0] === OVERFLOW_VALUE);
    expect(overflow?.labelText).toBe(`user="${OVERFLOW_VALUE}",type="${OVERFLOW_VALUE}"`);
    // limit - 1 real series, the rest folded: nothing lost from the sum
    expect(v.folded).toBe(100_000 - (limit - 1));
    expect(overflow?.value).toBe(2 * v.folded);
    expect(v.series.reduce((a, s) => a + s.value, 0)).toBe(200_000);
    // Bounded: 100k raw values must not be retained (each would cost well over 100 bytes).
    expect(heapAfter - heapBefore).toBeLessThan(100_000 * 100);
    // A value seen before the limit keeps its own series.
    v.get('user-3', 'input').inc();
    expect(v.series.find((s) => s.labelValues[0] === 'user-3')?.value).toBe(3);
  });

  it('truncates long values and maps them to one series without caching each raw value', () => {
    const v = new CounterVec({
      name: 'x_total',
      help: 'x',
      labelNames: ['op'],
      maxValueLength: 8,
      limit: 10,
    });
    for (let i = 0; i < 1000; i++) v.get(`abcdefghij-${i}`).inc();
    expect(v.seriesCount).toBe(1);
    expect(v.series[0].labelValues[0]).toBe('abcdefgh');
    expect(v.series[0].value).toBe(1000);
    expect(v.folded).toBe(0);
  });
});

describe('HistogramVec', () => {
  it('puts observations in the first bucket whose bound is >= the value', () => {
    const h = new HistogramVec({ name: 'd_seconds', help: 'd', labelNames: ['a'], buckets: [1, 2, 5] });
    for (const x of [0.5, 1, 1.5, 2, 4, 9]) h.get('k').observe(x);
    const s = h.series[0];
    expect(Array.from(s.counts)).toEqual([2, 2, 1, 1]);
    expect(s.count).toBe(6);
    expect(s.sum).toBe(18);
  });
});
