/**
 * Sessions, users, usage and cost of a generated workload of 1,000,000 spans in a real DuckDB file,
 * compared with a brute-force computation over the raw spans (store/analytics-reference.ts: one pass
 * in plain TypeScript, no SQL, no trace parts). The spans are bench:query's realistic agent traces
 * (20 spans, 8 traces a session, 5,000 users, LLM tokens and cost, ~4% errors), reshaped so the
 * workload also has what the generator lacks: traces split over two appends (two trace parts), traces
 * without a session, spans without a user. Written through the store's Appender path
 * (appendRawForBenchmark: the same rows and parts as `append`). Integers must be identical; sums of
 * costs equal within 1e-9 relative (floating addition in another order).
 *
 *   WITNESS_BRUTEFORCE_SPANS=200000 npx vitest run test/analytics-bruteforce.test.ts   (a quicker run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROJECT, type UsageDimension } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchTrace, SPANS_PER_TRACE } from '../bench/query-spans.js';
import type { SpanRecord } from '../packages/server/src/model/index.js';
import { AnalyticsReference, diffRows } from '../packages/server/src/store/analytics-reference.js';
import {
  type DuckDbStore,
  appendRawForBenchmark,
  openDuckDbStore,
} from '../packages/server/src/store/index.js';

const SPANS = Number(process.env.WITNESS_BRUTEFORCE_SPANS ?? 1_000_000);
const TRACES = Math.ceil(SPANS / SPANS_PER_TRACE);
const BASE_NS = 1_760_000_000_000n * 1_000_000n;
/** One trace every 12 s: 50k traces cover a week. */
const SPACING_MS = 12_096;
const P = DEFAULT_PROJECT;

let dir: string;
let store: DuckDbStore;
const ref = new AnalyticsReference();

/** Trace t as generated, reshaped: every 13th has no session, every 17th span has no user. */
function trace(t: number): SpanRecord[] {
  const spans = benchTrace(t, BASE_NS, SPACING_MS);
  for (let i = 0; i < spans.length; i++) {
    if (t % 13 === 5) spans[i].sessionId = null;
    if ((t * 20 + i) % 17 === 3) spans[i].userId = null;
  }
  return spans;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-bruteforce-'));
  store = await openDuckDbStore({ path: join(dir, 'w.duckdb') });
  // each batch: the first half of 25 traces and the second half of the 25 before them, so every trace
  // is written in two batches (two parts), as traces that arrive over several exports are
  function* batches(): Generator<SpanRecord[]> {
    let pending: SpanRecord[] = [];
    for (let t = 0; t < TRACES; t += 25) {
      const batch = pending;
      pending = [];
      for (let u = t; u < Math.min(TRACES, t + 25); u++) {
        const spans = trace(u);
        for (const s of spans) ref.add(P, s);
        batch.push(...spans.slice(0, 10));
        pending.push(...spans.slice(10));
      }
      yield batch;
    }
    yield pending;
  }
  const n = await appendRawForBenchmark(store, batches());
  expect(n).toBe(TRACES * SPANS_PER_TRACE);
}, 900_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function allPages<T>(fetch: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetch(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

describe(`analytics over ${SPANS.toLocaleString('en-US')} generated spans equal brute force`, () => {
  it('every session', async () => {
    const got = await allPages((cursor) => store.listSessions({ project: P, limit: 500, cursor }));
    const want = ref.sessions(P);
    expect(want.length).toBeGreaterThan(TRACES / 10);
    expect(diffRows('sessions', got, want)).toEqual([]);
  }, 300_000);

  it('every user', async () => {
    const got = await allPages((cursor) => store.listUsers({ project: P, limit: 500, cursor }));
    const want = ref.users(P);
    expect(want.length).toBeGreaterThan(1000);
    expect(diffRows('users', got, want)).toEqual([]);
  }, 300_000);

  it('sessions and users of a time range', async () => {
    const from = BASE_NS + 86_400_000_000_000n;
    const to = BASE_NS + 2n * 86_400_000_000_000n;
    const sessions = await allPages((cursor) =>
      store.listSessions({ project: P, limit: 500, cursor, fromUnixNano: from, toUnixNano: to }),
    );
    expect(diffRows('sessions in a day', sessions, ref.sessions(P, { from, to }))).toEqual([]);
    const users = await allPages((cursor) =>
      store.listUsers({ project: P, limit: 500, cursor, fromUnixNano: from, toUnixNano: to }),
    );
    expect(diffRows('users in a day', users, ref.users(P, { from, to }))).toEqual([]);
  }, 300_000);

  // usage per feature (tool, agent, model) and cost attribution (user, session, service, project)
  for (const by of ['tool', 'agent', 'model', 'user', 'service', 'project', 'session'] as UsageDimension[])
    it(`usage and cost by ${by}, per 6-hour bucket`, async () => {
      const from = BASE_NS;
      const to = BASE_NS + BigInt(TRACES) * BigInt(SPACING_MS) * 1_000_000n + 3_600_000_000_000n;
      const want = ref.usage(P, by, from, to, 6 * 3600);
      // the top 100 values by cost are compared in full; for many values (users, sessions), totals of
      // the rest through the same reference
      const got = await store.usage({
        project: P,
        by,
        fromUnixNano: from,
        toUnixNano: to,
        stepSeconds: 6 * 3600,
        limit: 100,
      });
      const byValue = new Map(want.map((w) => [w.value, w]));
      const expected = [...want]
        .sort((a, b) => b.costUsd - a.costUsd || (a.value < b.value ? -1 : 1))
        .slice(0, 100);
      expect(got.rows.map((r) => r.value)).toEqual(expected.map((r) => r.value));
      for (const row of got.rows) {
        const w = byValue.get(row.value)!;
        const { points, ...totals } = row;
        const { points: wantPoints, ...wantTotals } = w;
        expect(diffRows(`usage by ${by} ${row.value}`, [totals], [wantTotals])).toEqual([]);
        const wp = [...(wantPoints as unknown as Map<number, { users: Set<string> }>).entries()]
          .sort(([a], [b]) => a - b)
          .map(([t, p]) => ({ t, ...p, users: p.users.size }));
        expect(diffRows(`points of ${by} ${row.value}`, points, wp)).toEqual([]);
      }
      expect(got.truncated).toBe(want.length > 100);
    }, 300_000);
});
