import { describe, expect, it } from 'vitest';
import { incidentAt } from './incidents.js';

describe('incidentAt (the live demo incident schedule)', () => {
  it('starts incident 0, a latency spike, 30 s in and cycles through the four kinds every 3 minutes', () => {
    expect(incidentAt(29_999)).toBeNull();
    const kinds = [0, 1, 2, 3, 4].map((i) => incidentAt(30_000 + i * 180_000));
    expect(kinds.map((k) => k?.kind)).toEqual([
      'latency-spike',
      'tool-errors',
      'tool-loop',
      'cost-outlier',
      'latency-spike',
    ]);
    expect(kinds.map((k) => k?.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('an incident lasts its window, then nothing happens until the next', () => {
    expect(incidentAt(30_000 + 89_999)?.kind).toBe('latency-spike');
    expect(incidentAt(30_000 + 90_000)).toBeNull();
    expect(incidentAt(30_000 + 179_999)).toBeNull();
    expect(incidentAt(30_000 + 180_000)).toMatchObject({
      kind: 'tool-errors',
      startMs: 210_000,
      endMs: 300_000,
    });
  });

  it('the backfilled history (negative demo time) has the same cycle, counted backwards', () => {
    expect(incidentAt(30_000 - 180_000)).toMatchObject({ index: -1, kind: 'cost-outlier' });
    expect(incidentAt(30_000 - 2 * 180_000)).toMatchObject({ index: -2, kind: 'tool-loop' });
    // the last hour holds every kind
    const kinds = new Set<string>();
    for (let t = -3_600_000; t < 0; t += 1_000) {
      const i = incidentAt(t);
      if (i) kinds.add(i.kind);
    }
    expect([...kinds].sort()).toEqual(['cost-outlier', 'latency-spike', 'tool-errors', 'tool-loop']);
  });

  it('takes a faster schedule (tests) and never lets a window outlast the period', () => {
    expect(incidentAt(1_000, { everyMs: 10_000, firstAtMs: 0, durationMs: 60_000 })).toMatchObject({
      startMs: 0,
      endMs: 10_000,
    });
    expect(incidentAt(10_000, { everyMs: 10_000, firstAtMs: 0 })?.kind).toBe('tool-errors');
  });

  it('one-run incidents say so; windowed ones do not', () => {
    expect(incidentAt(30_000)?.once).toBe(false);
    expect(incidentAt(30_000 + 2 * 180_000)?.once).toBe(true);
    expect(incidentAt(30_000 + 3 * 180_000)?.effects).toEqual({ costOutlier: true });
  });
});
