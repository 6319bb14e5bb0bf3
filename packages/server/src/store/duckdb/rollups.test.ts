/**
 * The rollups (rollups.ts) stay exact through what the one-shot conformance workload does not do: reads
 * between the appends of a trace (a fold merges new parts into trace rows that already exist), a later
 * part naming a greater session or user (the trace moves group, the old group loses it), replayed spans,
 * a restart with parts not folded yet, retention, and a background fold. Every answer is compared with
 * the brute-force reference over the spans.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../model/index.js';
import { AnalyticsReference, diffRows } from '../analytics-reference.js';
import { SEC, T0, makeSpan } from '../test-records.js';
import { type DuckDbStore, openDuckDbStore } from './duckdb-store.js';

const P = 'rollups';

function span(
  trace: number,
  n: number,
  startSec: number,
  fields: Partial<SpanRecord>,
  status: 'error' | 'unset' = 'unset',
): SpanRecord {
  return makeSpan({
    trace,
    n,
    parent: n === 1 ? null : 1,
    start: T0 + BigInt(startSec) * SEC,
    durationMs: 100,
    status,
    fields: { kind: 'llm', inputTokens: 10 * n, outputTokens: n, costUsd: 0.01 * n, ...fields },
  });
}

describe('DuckDB rollups', () => {
  let dir: string;
  let store: DuckDbStore;
  let ref: AnalyticsReference;
  const path = () => join(dir, 'witness.duckdb');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'witness-rollups-'));
    store = await openDuckDbStore({ path: path(), threads: 1 });
    ref = new AnalyticsReference();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function add(spans: SpanRecord[]): Promise<void> {
    const stored = (await store.append({ project: P, spans, logs: [] })).spans;
    for (const s of stored) ref.add(P, s);
  }

  async function expectExact(range?: { from?: bigint; to?: bigint }): Promise<void> {
    const q = { project: P, limit: 500, fromUnixNano: range?.from, toUnixNano: range?.to };
    expect(diffRows('sessions', (await store.listSessions(q)).items, ref.sessions(P, range))).toEqual([]);
    expect(diffRows('users', (await store.listUsers(q)).items, ref.users(P, range))).toEqual([]);
  }

  it('merges later parts into traces already folded, moving a trace to a greater session or user', async () => {
    await add([span(1, 1, 0, { sessionId: 's-b', userId: 'u-1', agentName: 'planner' })]);
    await add([span(2, 1, 10, { sessionId: null, userId: null })]);
    await expectExact(); // folds: trace 1 in s-b, trace 2 in no session
    expect((await store.listSessions({ project: P })).items.map((s) => s.sessionId)).toEqual(['s-b']);

    // trace 1 gains a part naming a greater session and user: it leaves s-b (now empty) and u-1
    await add([span(1, 2, 5, { sessionId: 's-c', userId: 'u-2', model: 'gpt-4o' }, 'error')]);
    // trace 2 gains its session and user, and an earlier span: its start moves back
    await add([span(2, 2, -30, { sessionId: 's-a', userId: 'u-1', agentName: 'coder' })]);
    await expectExact();
    const sessions = (await store.listSessions({ project: P })).items;
    expect(sessions.map((s) => [s.sessionId, s.traces, s.turns, s.errorTraces])).toEqual([
      ['s-a', 1, 2, 0], // trace 2 ends last
      ['s-c', 1, 2, 1],
    ]);
    expect(sessions[1].agents).toEqual(['planner']);
    expect(sessions[1].models).toEqual(['gpt-4o']);
    expect(sessions[1].users).toEqual(['u-2']);
    // ranges on trace start, before and after trace 2's start moved
    await expectExact({ from: T0 - 10n * SEC });
    await expectExact({ from: T0 - 40n * SEC, to: T0 + 1n * SEC });

    // the timeline reads the trace rows too
    const detail = await store.getSession({ project: P, sessionId: 's-a' });
    expect(detail?.turns.map((t) => [t.spanCount, t.inputTokens, t.startTimeUnixNano])).toEqual([
      [2, 30, String(T0 - 30n * SEC)],
    ]);
    expect(detail?.session).toMatchObject({ sessionId: 's-a', traces: 1, users: ['u-1'], agents: ['coder'] });
  });

  it('counts a replayed span once, and folds parts left unfolded by a restart', async () => {
    const first = [span(3, 1, 0, { sessionId: 's-1', userId: 'u-1' }), span(3, 2, 1, { sessionId: 's-1' })];
    await add(first);
    await expectExact();
    // a client retry of the same spans: the identity check stores nothing, so no part, no double count
    expect((await store.append({ project: P, spans: first, logs: [] })).spans).toEqual([]);
    await expectExact();
    expect((await store.listSessions({ project: P })).items[0]).toMatchObject({ traces: 1, turns: 2 });

    // appended and committed, never read, then the store closes: the next open folds them
    await add([
      span(3, 3, 2, { sessionId: 's-1' }),
      span(4, 1, 60, { sessionId: 's-2', userId: 'u-2' }),
      span(5, 1, 70, { sessionId: 's-3', userId: null }), // a session without any user
    ]);
    await store.close();
    store = await openDuckDbStore({ path: path(), threads: 1 });
    await expectExact();
    expect(
      (await store.listSessions({ project: P })).items.map((s) => [s.sessionId, s.turns, s.users]),
    ).toEqual([
      ['s-3', 1, []],
      ['s-2', 1, ['u-2']],
      ['s-1', 3, ['u-1']],
    ]);
    // the same replay after the restart: still once
    expect((await store.append({ project: P, spans: first, logs: [] })).spans).toEqual([]);
    await expectExact();
  });

  it('rebuilds the rollups with retention, from the spans that remain', async () => {
    for (let t = 0; t < 6; t++)
      await add([
        span(10 + t, 1, t * 100, { sessionId: `s-${t % 2}`, userId: `u-${t % 3}` }),
        span(10 + t, 2, t * 100 + 50, { sessionId: `s-${t % 2}` }),
      ]);
    await expectExact();
    const cutoff = T0 + 250n * SEC;
    await store.deleteOlderThan(cutoff);
    const kept = new AnalyticsReference();
    for (let t = 0; t < 6; t++)
      for (const s of [
        span(10 + t, 1, t * 100, { sessionId: `s-${t % 2}`, userId: `u-${t % 3}` }),
        span(10 + t, 2, t * 100 + 50, { sessionId: `s-${t % 2}` }),
      ])
        if (s.startTimeUnixNano >= cutoff) kept.add(P, s);
    ref = kept;
    await expectExact();
    // trace 12 straddled the cut-off: only its later span counts
    expect((await store.listUsers({ project: P, userId: 'u-2' })).items).toHaveLength(1);
    // and ingest goes on, folded on top of the rebuilt rollups
    await add([span(10, 3, 700, { sessionId: 's-9', userId: 'u-9' })]);
    await expectExact();
  });

  it('folds in the background once enough parts are waiting, and reads stay exact', async () => {
    await store.close();
    store = await openDuckDbStore({ path: path(), threads: 1, rollupAfterParts: 50 });
    // one trace per span, so a part each: past 50 parts a fold is queued between two commit groups
    for (let start = 0; start < 300; start += 100) {
      const batch: SpanRecord[] = [];
      for (let t = start; t < start + 100; t++)
        batch.push(span(1000 + t, 1, t, { sessionId: `s-${t % 13}`, userId: `u-${t % 5}` }));
      await add(batch);
    }
    // no read yet: the watermark moved on its own
    const conn = await store.connect();
    const [[watermark]] = (
      await conn.runAndReadAll(`SELECT value FROM witness_meta WHERE key = 'rollup_seq'`)
    ).getRows();
    conn.closeSync();
    expect(Number(watermark)).toBeGreaterThanOrEqual(1);
    await expectExact();
    await expectExact({ from: T0 + 100n * SEC, to: T0 + 200n * SEC });
    expect((await store.listSessions({ project: P, limit: 500 })).items).toHaveLength(13);
  });

  it('answers ranges from the per-day rows and the edge traces exactly, with filters and paging', async () => {
    const D = 86_400n * SEC;
    const day0 = (T0 / D + 1n) * D; // a UTC midnight
    const at = (h: number) => day0 + BigInt(Math.round(h * 3600)) * SEC;
    const spans: SpanRecord[] = [];
    // 5 days of traces every 3 h; sessions of 4 traces cross midnights; users rotate
    for (let t = 0; t < 40; t++) {
      const start = at(t * 3 + 0.5);
      const fields = {
        sessionId: `s-${Math.floor(t / 4)}`,
        userId: t % 7 === 3 ? null : `u-${t % 3}`,
        agentName: t % 2 === 0 ? 'planner' : 'coder',
        model: t % 5 === 0 ? 'gpt-4o' : null,
      };
      spans.push(
        makeSpan({
          trace: 500 + t,
          n: 1,
          parent: null,
          start,
          durationMs: 1000,
          status: t % 6 === 0 ? 'error' : 'unset',
          fields: { kind: 'llm', inputTokens: t, outputTokens: 1, costUsd: 0.01 * (t % 4), ...fields },
        }),
      );
    }
    await add(spans.slice(0, 20));
    await expectExact({ from: at(13), to: at(50) }); // folds between the two halves
    await add(spans.slice(20));
    const ranges = [
      { from: at(13), to: at(100.25) }, // partial days at both ends
      { from: at(24), to: at(72) - 1n }, // exactly days 1 and 2
      { from: at(24) + 1n, to: at(72) }, // one nanosecond inside: day 1 becomes an edge day
      { from: at(37) }, // open end
      { to: at(60) }, // open start
      { from: at(2), to: at(20) }, // no whole day: trace rows only
    ];
    for (const r of ranges) await expectExact(r);
    const range = ranges[0];
    const q = { project: P, limit: 500, fromUnixNano: range.from, toUnixNano: range.to };
    const want = ref.sessions(P, range);
    const ids = (xs: Array<{ sessionId: string }>) => xs.map((x) => x.sessionId);
    expect(ids((await store.listSessions({ ...q, agent: 'coder' })).items)).toEqual(
      ids(want.filter((x) => x.agents.includes('coder'))),
    );
    expect(ids((await store.listSessions({ ...q, model: 'gpt-4o' })).items)).toEqual(
      ids(want.filter((x) => x.models.includes('gpt-4o'))),
    );
    expect(ids((await store.listSessions({ ...q, minCostUsd: 0.05 })).items)).toEqual(
      ids(want.filter((x) => x.costUsd >= 0.05 - 1e-12)),
    );
    expect(ids((await store.listSessions({ ...q, status: 'error' })).items)).toEqual(
      ids(want.filter((x) => x.errors > 0)),
    );
    const one = ref.users(P, range).find((u) => u.userId === 'u-1');
    expect(diffRows('user', (await store.listUsers({ ...q, userId: 'u-1' })).items, [one])).toEqual([]);
    // paging by cost, 3 at a time: every session once, in the full list's order
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ ...q, sort: 'cost', limit: 3, cursor });
      paged.push(...ids(page.items));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(paged).toEqual(ids((await store.listSessions({ ...q, sort: 'cost' })).items));
    expect(new Set(paged).size).toBe(want.length);
  });
});
