import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../model/index.js';
import { SpanIdentities } from './span-identities.js';

const span = (traceId: string, spanId: string) => ({ traceId, spanId }) as SpanRecord;

/** Identities over a fake store that remembers what was committed, with a clock the test moves. */
function setup(idleMs: number) {
  let now = 1_000_000;
  const stored = new Map<string, string[]>();
  const loads: string[][] = [];
  const ids = new SpanIdentities({
    idleMs,
    now: () => now,
    load: async (_project, traceIds) => {
      loads.push(traceIds);
      return new Map(traceIds.map((t) => [t, stored.get(t) ?? []]));
    },
  });
  async function append(spans: SpanRecord[]): Promise<string[]> {
    const claim = await ids.claim('default', spans);
    for (const s of claim.fresh) stored.set(s.traceId, [...(stored.get(s.traceId) ?? []), s.spanId]);
    ids.settle(claim);
    return claim.fresh.map((s) => s.spanId);
  }
  return { ids, loads, append, tick: (ms: number) => (now += ms) };
}

describe('SpanIdentities idle bound', () => {
  it('forgets traces idle longer than idleMs, keeps active ones, and a late span is still recognised from the store', async () => {
    const { ids, loads, append, tick } = setup(60_000);
    expect(await append([span('t1', 'a'), span('t1', 'b')])).toEqual(['a', 'b']);
    tick(30_000);
    await append([span('t2', 'a')]);
    expect(ids.recentTraces).toBe(2);
    tick(40_000); // t1 idle 70 s, t2 40 s
    await append([span('t3', 'a')]);
    expect(ids.recentTraces).toBe(2); // t1 forgotten
    expect(loads).toEqual([]);
    // t1's retry: the filter has seen it, so it is read back once and the stored spans are not new
    expect(await append([span('t1', 'a'), span('t1', 'c')])).toEqual(['c']);
    expect(loads).toEqual([['t1']]);
    // touching t2 keeps it: 100 s since its first span, but only 60 s idle at most
    tick(50_000);
    await append([span('t2', 'b')]);
    tick(50_000);
    await append([span('t4', 'a')]);
    expect(await append([span('t2', 'a')])).toEqual([]);
    expect(loads).toEqual([['t1']]);
  });

  it('holds no more than the working set under a steady stream of new traces', async () => {
    const { ids, append, tick } = setup(60_000);
    for (let i = 0; i < 600; i++) {
      await append([span(`t${i}`, 'a'), span(`t${i}`, 'b')]);
      tick(1_000); // one trace a second
    }
    // about a minute's worth remains, not all 600
    expect(ids.recentTraces).toBeGreaterThanOrEqual(59);
    expect(ids.recentTraces).toBeLessThanOrEqual(62);
  });
});
