/** LiveAnomalies over a real DuckDB file: batches of two projects, the alert seam, reopening the file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../model/index.js';
import { type DuckDbStore, openDuckDbStore } from '../../store/duckdb/index.js';
import { MS, makeSpan, T0, traceIdOf } from '../../store/test-records.js';
import { LiveAnomalies } from './live-anomalies.js';

let dir: string;
let store: DuckDbStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-anomalies-'));
  store = await openDuckDbStore({ path: join(dir, 'w.duckdb') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run of trace `trace`: `n` identical calls of tool `t` under an agent root. */
function loopRun(trace: number, n: number): SpanRecord[] {
  const spans = Array.from({ length: n }, (_, i) =>
    makeSpan({
      trace,
      n: i + 1,
      parent: 0,
      start: T0 + BigInt(i) * MS,
      durationMs: 1,
      fields: { kind: 'tool', toolName: 't', input: '{"same":true}' },
    }),
  );
  spans.push(
    makeSpan({ trace, n: 0, start: T0, durationMs: 100, fields: { kind: 'agent', agentName: 'a' } }),
  );
  return spans;
}

async function open(registry?: Registry): Promise<LiveAnomalies> {
  const live = new LiveAnomalies({ registry });
  await live.open(await store.connect(), [await store.connect()], 5000);
  return live;
}

describe('LiveAnomalies', () => {
  it('keys events by the batch project and lists each project its own', async () => {
    const live = await open();
    live.consume({ spans: loopRun(1, 12), logs: [], project: 'default' });
    live.consume({ spans: loopRun(2, 12), logs: [], project: 'p2' });
    await live.flush();
    const mine = await live.search({ project: 'default', limit: 10 });
    const theirs = await live.search({ project: 'p2', limit: 10 });
    expect(mine.items.map((e) => e.traceIds)).toEqual([[traceIdOf(1)]]);
    expect(theirs.items.map((e) => e.traceIds)).toEqual([[traceIdOf(2)]]);
    expect(theirs.items[0]!.project).toBe('p2');
    await live.close();
  });

  it('answers the alert seam (active events since a time, above a score) from the file, also after reopening', async () => {
    const registry = new Registry();
    const live = await open(registry);
    live.consume({ spans: loopRun(3, 30), logs: [], project: 'default' });
    const since = Number(T0 / MS) - 1000;
    const active = await live.active('default', { sinceMs: since });
    expect(active.map((e) => [e.kind, e.value])).toEqual([['tool_loop', 30]]);
    expect(await live.active('default', { sinceMs: since, minScore: 0.9 })).toEqual([]);
    expect(await live.active('default', { sinceMs: Number(T0 / MS) + 3_600_000 })).toEqual([]);
    expect(await registry.getSingleMetricAsString('witness_anomalies_total')).toContain(
      'witness_anomalies_total{kind="tool_loop"} 1',
    );
    await live.close();

    const again = await open();
    expect((await again.active('default', { sinceMs: since })).map((e) => e.kind)).toEqual(['tool_loop']);
    await again.close();
  });

  it('drops and counts events beyond maxPendingEvents while the database is not open', async () => {
    const live = new LiveAnomalies({ maxPendingEvents: 1 });
    live.consume({ spans: [...loopRun(4, 10), ...loopRun(5, 10)], logs: [], project: 'default' });
    expect(live.stats.eventsDropped).toBe(1);
    await live.open(await store.connect(), [await store.connect()], 5000);
    await live.flush();
    expect((await live.search({ project: 'default', limit: 10 })).items).toHaveLength(1);
    await live.close();
  });
});
