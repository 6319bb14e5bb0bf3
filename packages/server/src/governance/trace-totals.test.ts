import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/index.js';
import { TraceTotalsCache } from './trace-totals.js';

const span = (traceId: string, spanId: string, costUsd = 1) =>
  ({ traceId, spanId, kind: 'llm', costUsd, attributes: {} }) as unknown as SpanRecord;

describe('TraceTotalsCache', () => {
  it('counts a span once, even when a batch is retried', () => {
    const c = new TraceTotalsCache();
    c.add('p', span('t', 'a'), []);
    c.add('p', span('t', 'b'), []);
    const t = c.add('p', span('t', 'a'), []);
    expect(t.spans).toBe(2);
    expect(t.costUsd).toBe(2);
    expect(t.llmCalls).toBe(2);
  });

  it('keeps a trace that is still active, forgets one idle past the timeout, and stays bounded by count', () => {
    let now = 0;
    const c = new TraceTotalsCache(3, 60_000, () => now);
    c.add('p', span('long', 'a'), []);
    for (let i = 1; i <= 5; i++) {
      now += 30_000; // the long run gets a span every 30 s: never idle for 60 s
      c.add('p', span('long', `s${i}`), []);
    }
    expect(c.add('p', span('long', 'z'), []).spans).toBe(7);
    c.add('p', span('short', 'a'), []);
    now += 61_000;
    c.add('p', span('other', 'a'), []);
    // both earlier traces were idle more than 60 s: forgotten, a late span of `long` starts from zero
    expect(c.size).toBe(1);
    expect(c.add('p', span('long', 'late'), []).spans).toBe(1);
    for (const id of ['x', 'y', 'w']) c.add('p', span(id, 'a'), []);
    expect(c.size).toBe(3); // the count bound still holds
  });

  it('keeps projects apart', () => {
    const c = new TraceTotalsCache();
    c.add('p1', span('t', 'a'), []);
    expect(c.add('p2', span('t', 'a'), []).spans).toBe(1);
  });
});
