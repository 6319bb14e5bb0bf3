import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from './anomaly-event.js';
import { SeriesWatch, type SeriesWatchOptions, type SpanPoint } from './series-watch.js';

const RES = 60_000;
const T0 = 1_750_000_000_000 - (1_750_000_000_000 % RES);
let ids = 0;
const options = (over: Partial<SeriesWatchOptions> = {}): SeriesWatchOptions => ({
  resolutionMs: RES,
  maxSeries: 100,
  idleMs: 3_600_000,
  threshold: 0.5,
  warmup: 150,
  minCalls: 3,
  maxGapBuckets: 60,
  newId: () => `e${++ids}`,
  ...over,
});

function point(over: Partial<SpanPoint>): SpanPoint {
  return {
    project: 'default',
    traceId: 'a'.repeat(32),
    parentSpanId: 'b'.repeat(16),
    service: 'checkout',
    kind: 'tool',
    agent: null,
    model: null,
    tool: 'search',
    input: null,
    endMs: T0,
    durationMs: 100,
    error: false,
    tokens: 0,
    cost: 0,
    ...over,
  };
}

/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;

describe('SeriesWatch', () => {
  it('flags a latency spike after the warm-up, with the slow trace and the recent buckets', () => {
    const watch = new SeriesWatch(options());
    const out: AnomalyEvent[] = [];
    for (let b = 0; b < 300; b++) {
      for (let k = 0; k < 5; k++) {
        const spike = b === 250;
        watch.observe(
          point({
            endMs: T0 + b * RES + k * 1000,
            durationMs: spike ? 5000 + (k === 2 ? 1000 : 0) : 100 + 20 * noise(b * 5 + k),
            traceId: spike && k === 2 ? 'f'.repeat(32) : `${b}`.padStart(32, '0'),
          }),
          T0 + b * RES,
          out,
        );
      }
    }
    const latency = out.filter((e) => e.metric === 'latency_p95' && e.labels.tool === 'search');
    expect(latency.map((e) => e.timeMs)).toEqual([T0 + 250 * RES]);
    const [e] = latency;
    expect(e!.kind).toBe('series');
    expect(e!.labels).toEqual({ service: 'checkout', agent: null, model: null, tool: 'search' });
    expect(e!.value).toBeGreaterThan(4000);
    expect(e!.expected).toBeGreaterThan(80);
    expect(e!.expected).toBeLessThan(130);
    expect(e!.score).toBeGreaterThanOrEqual(0.5);
    expect(e!.traceIds).toEqual(['f'.repeat(32)]);
    expect(e!.points).toHaveLength(32);
    expect(e!.points.at(-1)![0]).toBe(T0 + 250 * RES);
    expect(e!.points.at(-1)![1]).toBeGreaterThan(4000);
    // the service series saw the same spike (tool spans count for their service too)
    expect(out.some((x) => x.labels.tool === null && x.metric === 'latency_p95')).toBe(true);
    // nothing before the spike: the warm-up and the steady series raise nothing
    expect(out.filter((x) => x.timeMs < T0 + 250 * RES)).toEqual([]);
  });

  it('closes buckets on tick, feeds a silent series zero calls, and counts late spans', () => {
    const watch = new SeriesWatch(options({ warmup: 10 }));
    const out: AnomalyEvent[] = [];
    watch.observe(point({ endMs: T0 }), T0, out);
    watch.tick(T0 + 3 * RES, out); // bucket 0 closed, bucket 1 fed as zero
    watch.observe(point({ endMs: T0 + 10 }), T0 + 3 * RES, out);
    expect(watch.stats.late).toBe(2); // the service and tool series both refused it
    watch.observe(point({ endMs: T0 + 3 * RES }), T0 + 3 * RES, out);
    expect(watch.stats.late).toBe(2);
  });

  it('watches at most maxSeries, evicting idle ones first and counting the refused', () => {
    const watch = new SeriesWatch(options({ maxSeries: 2 }));
    const out: AnomalyEvent[] = [];
    watch.observe(point({ service: 'a', tool: null, kind: 'step' }), T0, out);
    watch.observe(point({ service: 'b', tool: null, kind: 'step' }), T0, out);
    watch.observe(point({ service: 'c', tool: null, kind: 'step' }), T0 + 1000, out);
    expect(watch.stats).toMatchObject({ series: 2, refused: 1, evicted: 0 });
    // two buckets later 'a' and 'b' are idle: 'c' takes the place of the longest idle
    watch.observe(point({ service: 'b', tool: null, kind: 'step', endMs: T0 + 2 * RES }), T0 + 2 * RES, out);
    watch.observe(point({ service: 'c', tool: null, kind: 'step', endMs: T0 + 2 * RES }), T0 + 2 * RES, out);
    expect(watch.stats).toMatchObject({ series: 2, refused: 1, evicted: 1 });
    // a day of silence evicts everything on tick
    watch.tick(T0 + 2 * 3_600_000, out);
    expect(watch.stats.series).toBe(0);
  });

  it('keeps projects apart: the same service in two projects is two series', () => {
    const watch = new SeriesWatch(options());
    const out: AnomalyEvent[] = [];
    watch.observe(point({ project: 'p1', tool: null, kind: 'step' }), T0, out);
    watch.observe(point({ project: 'p2', tool: null, kind: 'step' }), T0, out);
    expect(watch.stats.series).toBe(2);
  });
});

describe('SeriesWatch calls', () => {
  it('a sparse series (a call now and then) raises no calls anomaly for a burst of a few calls; a busy one does', () => {
    const out: AnomalyEvent[] = [];
    const sparse = new SeriesWatch(options());
    const busy = new SeriesWatch(options());
    for (let b = 0; b < 260; b++) {
      const few = b === 250 ? 6 : b % 7 === 0 ? 1 : 0;
      for (let k = 0; k < few; k++)
        sparse.observe(point({ tool: null, kind: 'step', endMs: T0 + b * RES + k }), T0 + b * RES, out);
      const many = b === 250 ? 200 : 20 + Math.round(3 * noise(b));
      for (let k = 0; k < many; k++)
        busy.observe(
          point({ service: 'busy', tool: null, kind: 'step', endMs: T0 + b * RES + k }),
          T0 + b * RES,
          out,
        );
    }
    const calls = out.filter((e) => e.metric === 'calls');
    expect(calls.map((e) => [e.labels.service, e.timeMs])).toEqual([['busy', T0 + 250 * RES]]);
  });
});
