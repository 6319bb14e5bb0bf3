/**
 * The Store conformance suite: every engine runs it unchanged (DuckDB now, ClickHouse later).
 *
 *   runStoreConformance('duckdb', async () => { … return { store, reopen, cleanup }; });
 *
 * `makeStore` gives a fresh, empty store; `reopen` opens the same storage again after the suite
 * closed `store` (durability); `cleanup` removes whatever `makeStore` created. Data are small so the
 * whole suite runs in seconds.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/index.js';
import { MS, makeLog, makeSpan, SEC, spanIdOf, T0, traceIdOf } from './test-records.js';
import type { ScoreRecord, Store, TraceQuery } from './types.js';
import { analyticsConformance } from './analytics-conformance.js';

export { makeLog, makeSpan, traceIdOf } from './test-records.js';

export interface StoreUnderTest {
  store: Store;
  /** Open the same storage again, after `store.close()`. */
  reopen: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

/**
 * The project the suite writes and reads (not `default`: an engine that dropped the project on
 * write or read would then find nothing). The isolation tests add a second one.
 */
const P = 'conformance';

const ids = (page: { items: Array<{ traceId: string }> }) => page.items.map((i) => i.traceId);

/** A root and an LLM child with every field of the model set, including nested attributes. */
function richTrace(trace: number): SpanRecord[] {
  const root = makeSpan({
    trace,
    n: 1,
    name: 'agent.run planner',
    service: 'checkout',
    start: T0 + 7n,
    durationMs: 1500.25,
    status: 'ok',
    attributes: {
      'witness.agent.name': 'planner',
      nested: { a: [1, 'two', true, null], b: { c: 1.5 } },
      empty: '',
    },
    resource: { 'service.name': 'checkout', 'service.version': '2.1.0', 'host.cores': 8 },
    fields: {
      spanKind: 2,
      kind: 'agent',
      agentName: 'planner',
      sessionId: 'sess-1',
      userId: 'user-1',
      decision: {
        choice: 'refund',
        alternatives: ['refund', 'escalate'],
        confidence: 0.82,
        rationale: 'policy 4.2',
      },
      governance: {
        mode: 'human-in-the-loop',
        actor: 'alice',
        actorRole: 'supervisor',
        workflow: 'refunds',
        outcome: 'approved',
      },
      links: [{ traceId: traceIdOf(99), spanId: spanIdOf(99, 1), attributes: { 'link.kind': 'follows' } }],
    },
  });
  const llm = makeSpan({
    trace,
    n: 2,
    parent: 1,
    name: 'chat gpt-4o',
    service: 'checkout',
    start: T0 + 100n * MS + 3n,
    durationMs: 800,
    status: 'error',
    attributes: {
      'gen_ai.system': 'openai',
      'gen_ai.usage.input_tokens': 1200,
      'unicode.text': 'héllo ✓ "quoted" \\ back',
    },
    fields: {
      spanKind: 3,
      statusMessage: 'rate limited',
      kind: 'llm',
      model: 'gpt-4o-2024-08-06',
      provider: 'openai',
      inputTokens: 1200,
      outputTokens: 350,
      cacheReadTokens: 200,
      reasoningTokens: 0,
      costUsd: 0.00651,
      sessionId: 'sess-1',
      userId: 'user-1',
      agentName: 'planner',
      toolName: null,
      sideEffect: false,
      input: 'What is the refund policy?',
      output: 'Refunds within 30 days.',
      events: [
        {
          name: 'exception',
          timeUnixNano: T0 + 900n * MS + 1n,
          attributes: {
            'exception.type': 'RateLimitError',
            'exception.message': '429',
            'exception.stacktrace': 'at a\nat b',
          },
        },
        { name: 'retry', timeUnixNano: T0 + 901n * MS, attributes: {} },
      ],
    },
  });
  const tool = makeSpan({
    trace,
    n: 3,
    parent: 1,
    name: 'tool refund.issue',
    service: 'checkout',
    start: T0 + 1000n * MS,
    durationMs: 20,
    fields: {
      kind: 'tool',
      toolName: 'refund.issue',
      sideEffect: true,
      sessionId: 'sess-1',
      userId: 'user-1',
    },
  });
  return [root, llm, tool];
}

/** Four traces with distinct services, kinds, agents, models, statuses, durations and attributes. */
function filterDataset(): SpanRecord[] {
  const t = (k: number) => T0 + BigInt(k) * SEC;
  return [
    // t1: checkout, planner + gpt-4o, ok, 2 s, session s1 / user u1, tenant=acme, prod
    makeSpan({
      trace: 1,
      n: 1,
      name: 'agent.run',
      service: 'checkout',
      start: t(1),
      durationMs: 2000,
      status: 'ok',
      attributes: { tenant: 'acme' },
      resource: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
      fields: { kind: 'agent', agentName: 'planner', sessionId: 's1', userId: 'u1' },
    }),
    makeSpan({
      trace: 1,
      n: 2,
      parent: 1,
      name: 'chat',
      service: 'checkout',
      start: t(1) + 10n * MS,
      durationMs: 900,
      attributes: { 'gen_ai.system': 'openai' },
      resource: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
      fields: {
        kind: 'llm',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 100,
        outputTokens: 50,
        costUsd: 0.01,
        sessionId: 's1',
        userId: 'u1',
      },
    }),
    // t2: search, researcher + claude, a tool error, 500 ms, staging
    makeSpan({
      trace: 2,
      n: 1,
      name: 'agent.run',
      service: 'search',
      start: t(2),
      durationMs: 500,
      resource: { 'service.name': 'search', 'deployment.environment': 'staging' },
      fields: { kind: 'agent', agentName: 'researcher', sessionId: 's2', userId: 'u2' },
    }),
    makeSpan({
      trace: 2,
      n: 2,
      parent: 1,
      name: 'chat',
      service: 'search',
      start: t(2) + 1n * MS,
      durationMs: 200,
      resource: { 'service.name': 'search', 'deployment.environment': 'staging' },
      fields: {
        kind: 'llm',
        model: 'claude-sonnet-4',
        provider: 'anthropic',
        inputTokens: 10,
        outputTokens: 5,
        sessionId: 's2',
        userId: 'u2',
      },
    }),
    makeSpan({
      trace: 2,
      n: 3,
      parent: 1,
      name: 'web.search',
      service: 'search',
      start: t(2) + 300n * MS,
      durationMs: 100,
      status: 'error',
      resource: { 'service.name': 'search', 'deployment.environment': 'staging' },
      fields: { kind: 'tool', toolName: 'web', sessionId: 's2', userId: 'u2' },
    }),
    // t3: checkout HTTP root calling payments DB, 10 s, no session, tenant=globex, numeric attribute
    makeSpan({
      trace: 3,
      n: 1,
      name: 'GET /cart',
      service: 'checkout',
      start: t(3),
      durationMs: 10_000,
      attributes: { tenant: 'globex', 'http.status_code': 200 },
      fields: { kind: 'http' },
    }),
    makeSpan({
      trace: 3,
      n: 2,
      parent: 1,
      name: 'SELECT',
      service: 'payments',
      start: t(3) + 5n * MS,
      durationMs: 30,
      fields: { kind: 'db' },
    }),
    // t4: search, planner + gpt-4o erroring, 100 ms, user u1 in another session
    makeSpan({
      trace: 4,
      n: 1,
      name: 'agent.run',
      service: 'search',
      start: t(4),
      durationMs: 100,
      fields: { kind: 'agent', agentName: 'planner', sessionId: 's3', userId: 'u1' },
    }),
    makeSpan({
      trace: 4,
      n: 2,
      parent: 1,
      name: 'chat',
      service: 'search',
      start: t(4) + 1n * MS,
      durationMs: 50,
      status: 'error',
      attributes: { 'gen_ai.system': 'openai' },
      fields: {
        kind: 'llm',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 7,
        outputTokens: 3,
        sessionId: 's3',
        userId: 'u1',
      },
    }),
  ];
}

export function runStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store;
    let closed = false;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
      closed = false;
    });
    afterEach(async () => {
      if (!closed) await store.close();
      await sut.cleanup();
    });

    describe('append and getTrace', () => {
      it('returns every span of a trace with every field, ordered by start time', async () => {
        const spans = richTrace(1);
        await store.append({ project: P, spans: [spans[2], spans[0], spans[1]], logs: [] });
        const got = await store.getTrace(P, traceIdOf(1));
        expect(got).toEqual(spans);
        expect(typeof got?.[0].startTimeUnixNano).toBe('bigint');
        expect(got?.[1].events[0].timeUnixNano).toBe(T0 + 900n * MS + 1n);
      });

      it('returns null for a trace it never saw', async () => {
        await store.append({ project: P, spans: richTrace(1), logs: [] });
        expect(await store.getTrace(P, traceIdOf(2))).toBeNull();
      });

      it('reads many traces at once as getTrace reads each, this project only, absent ids left out', async () => {
        await store.append({ project: P, spans: [...richTrace(1), ...richTrace(2)], logs: [] });
        await store.append({ project: 'other', spans: richTrace(3), logs: [] });
        const got = await store.getTraces(P, [
          traceIdOf(2),
          traceIdOf(1),
          traceIdOf(3),
          traceIdOf(9),
          traceIdOf(1),
        ]);
        expect([...got.keys()].sort()).toEqual([traceIdOf(1), traceIdOf(2)].sort());
        expect(got.get(traceIdOf(1))).toEqual(await store.getTrace(P, traceIdOf(1)));
        expect(got.get(traceIdOf(2))).toEqual(await store.getTrace(P, traceIdOf(2)));
        expect((await store.getTraces(P, [])).size).toBe(0);
      });

      it('treats an empty batch as a no-op', async () => {
        await store.append({ project: P, spans: [], logs: [] });
        expect((await store.stats()).spans).toBe(0);
      });

      it('makes every concurrently appended batch readable once its append resolved', async () => {
        const appends = Array.from({ length: 24 }, (_, i) =>
          store
            .append({
              project: P,
              spans: [makeSpan({ trace: 100 + i, n: 1, start: T0 + BigInt(i) * SEC, durationMs: 5 })],
              logs: [],
            })
            .then(() => store.getTrace(P, traceIdOf(100 + i))),
        );
        const seen = await Promise.all(appends);
        expect(seen.every((s) => s?.length === 1)).toBe(true);
        expect((await store.stats()).spans).toBe(24);
      });
    });

    describe('searchTraces summaries', () => {
      it('summarises a trace: root name, service, start, duration, counts, tokens, cost, session, user', async () => {
        await store.append({ project: P, spans: richTrace(1), logs: [] });
        const page = await store.searchTraces({ project: P });
        expect(page.nextCursor).toBeNull();
        expect(page.items).toHaveLength(1);
        const item = page.items[0];
        expect(item).toMatchObject({
          traceId: traceIdOf(1),
          rootName: 'agent.run planner',
          serviceName: 'checkout',
          startTimeUnixNano: String(T0 + 7n),
          spanCount: 3,
          errorCount: 1,
          totalTokens: 1550,
          sessionId: 'sess-1',
          userId: 'user-1',
        });
        // the trace ends with the root (T0 + 7 ns + 1500.25 ms)
        expect(item.durationMs).toBeCloseTo(1500.25, 6);
        expect(item.costUsd).toBeCloseTo(0.00651, 10);
        if (item.agents !== undefined) expect(item.agents).toEqual(['planner']);
      });

      it('combines a trace whose root arrives in a later batch than its children', async () => {
        const root = makeSpan({ trace: 7, n: 1, name: 'root', service: 'api', start: T0, durationMs: 3000 });
        const child = makeSpan({
          trace: 7,
          n: 2,
          parent: 1,
          name: 'child',
          service: 'worker',
          start: T0 + SEC,
          durationMs: 500,
          status: 'error',
          fields: { inputTokens: 10, outputTokens: 5, costUsd: 0.5 },
        });
        const late = makeSpan({
          trace: 7,
          n: 3,
          parent: 1,
          name: 'late',
          service: 'worker',
          start: T0 + 2n * SEC,
          durationMs: 2000,
          fields: { sessionId: 'sess-late', userId: 'user-late', inputTokens: 1, costUsd: 0.25 },
        });
        await store.append({ project: P, spans: [child], logs: [] });
        const before = (await store.searchTraces({ project: P })).items[0];
        expect(before).toMatchObject({
          rootName: 'child',
          serviceName: 'worker',
          spanCount: 1,
          sessionId: null,
        });
        await store.append({ project: P, spans: [root], logs: [] });
        await store.append({ project: P, spans: [late], logs: [] });
        const page = await store.searchTraces({ project: P });
        expect(page.items).toHaveLength(1);
        expect(page.items[0]).toMatchObject({
          traceId: traceIdOf(7),
          rootName: 'root',
          serviceName: 'api',
          startTimeUnixNano: String(T0),
          spanCount: 3,
          errorCount: 1,
          totalTokens: 16,
          sessionId: 'sess-late',
          userId: 'user-late',
        });
        expect(page.items[0].durationMs).toBeCloseTo(4000, 6);
        expect(page.items[0].costUsd).toBeCloseTo(0.75, 10);
        expect((await store.getTrace(P, traceIdOf(7)))?.map((s) => s.name)).toEqual([
          'root',
          'child',
          'late',
        ]);
        expect(await store.searchTraces({ project: P, sessionId: 'sess-late' }).then(ids)).toEqual([
          traceIdOf(7),
        ]);
        expect(await store.searchTraces({ project: P, service: 'api' }).then(ids)).toEqual([traceIdOf(7)]);
      });

      it('lists a long-running trace at its start even when its last batch is the newest data', async () => {
        const old = makeSpan({ trace: 1, n: 1, name: 'long-run', start: T0, durationMs: 1000 });
        await store.append({ project: P, spans: [old], logs: [] });
        await store.append({
          project: P,
          spans: Array.from({ length: 10 }, (_, i) =>
            makeSpan({ trace: 10 + i, n: 1, start: T0 + BigInt(90 + i) * SEC, durationMs: 5 }),
          ),
          logs: [],
        });
        const late = makeSpan({
          trace: 1,
          n: 2,
          parent: 1,
          name: 'late',
          start: T0 + 100n * SEC,
          durationMs: 10,
          status: 'error',
        });
        await store.append({ project: P, spans: [late], logs: [] });
        const first = await store.searchTraces({ project: P, limit: 3 });
        expect(ids(first)).toEqual([traceIdOf(19), traceIdOf(18), traceIdOf(17)]);
        const all: Array<{ traceId: string; spanCount: number; startTimeUnixNano: string }> = [
          ...first.items,
        ];
        let cursor = first.nextCursor ?? undefined;
        while (cursor !== undefined) {
          const page = await store.searchTraces({ project: P, limit: 3, cursor });
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        }
        expect(all).toHaveLength(11);
        expect(all[10]).toMatchObject({ traceId: traceIdOf(1), spanCount: 2, startTimeUnixNano: String(T0) });
        expect(await store.searchTraces({ project: P, limit: 3, status: 'error' }).then(ids)).toEqual([
          traceIdOf(1),
        ]);
        expect(
          await store.searchTraces({ project: P, limit: 3, fromUnixNano: T0 + 50n * SEC }).then(ids),
        ).toEqual([19, 18, 17].map(traceIdOf));
      });

      it('reports costUsd null when no span of the trace has a cost', async () => {
        await store.append({
          project: P,
          spans: [makeSpan({ trace: 1, n: 1, start: T0, durationMs: 1 })],
          logs: [],
        });
        const item = (await store.searchTraces({ project: P })).items[0];
        expect(item.costUsd).toBeNull();
        expect(item.totalTokens).toBe(0);
        expect(item.errorCount).toBe(0);
      });
    });

    describe('searchTraces filters (any span of the trace matches)', () => {
      let shared: StoreUnderTest;
      let s: Store;
      const T = (...n: number[]) => n.map(traceIdOf);
      beforeAll(async () => {
        shared = await makeStore();
        s = shared.store;
        const spans = filterDataset();
        // two batches, traces interleaved, so filters cannot rely on batch boundaries
        await s.append({ project: P, spans: spans.filter((_, i) => i % 2 === 0), logs: [] });
        await s.append({ project: P, spans: spans.filter((_, i) => i % 2 === 1), logs: [] });
      });
      afterAll(async () => {
        await s.close();
        await shared.cleanup();
      });
      const search = (q: Omit<TraceQuery, 'project'>) =>
        s.searchTraces({ project: P, limit: 10, ...q }).then(ids);

      it('lists newest first without filters', async () => expect(await search({})).toEqual(T(4, 3, 2, 1)));
      it('service', async () => {
        expect(await search({ service: 'checkout' })).toEqual(T(3, 1));
        expect(await search({ service: 'payments' })).toEqual(T(3));
        expect(await search({ service: 'nope' })).toEqual([]);
      });
      it('kind', async () => {
        expect(await search({ kind: 'llm' })).toEqual(T(4, 2, 1));
        expect(await search({ kind: 'db' })).toEqual(T(3));
      });
      it('name (exact)', async () => {
        expect(await search({ name: 'web.search' })).toEqual(T(2));
        expect(await search({ name: 'agent.run' })).toEqual(T(4, 2, 1));
        expect(await search({ name: 'agent' })).toEqual([]);
      });
      it('status', async () => {
        expect(await search({ status: 'error' })).toEqual(T(4, 2));
        expect(await search({ status: 'ok' })).toEqual(T(3, 1));
      });
      it('min and max duration', async () => {
        expect(await search({ minDurationMs: 1000 })).toEqual(T(3, 1));
        expect(await search({ maxDurationMs: 600 })).toEqual(T(4, 2));
        expect(await search({ minDurationMs: 400, maxDurationMs: 2000 })).toEqual(T(2, 1));
      });
      it('from and to bound the trace start, inclusive', async () => {
        expect(await search({ fromUnixNano: T0 + 2n * SEC })).toEqual(T(4, 3, 2));
        expect(await search({ toUnixNano: T0 + 3n * SEC })).toEqual(T(3, 2, 1));
        expect(await search({ fromUnixNano: T0 + 2n * SEC, toUnixNano: T0 + 2n * SEC })).toEqual(T(2));
        // t1's child starts after T0+1s, but the trace started at T0+1s
        expect(await search({ fromUnixNano: T0 + SEC + 1n, toUnixNano: T0 + 2n * SEC - 1n })).toEqual([]);
      });
      it('session and user', async () => {
        expect(await search({ sessionId: 's1' })).toEqual(T(1));
        expect(await search({ userId: 'u1' })).toEqual(T(4, 1));
      });
      it('agent and model, alone and together', async () => {
        expect(await search({ agent: 'planner' })).toEqual(T(4, 1));
        expect(await search({ model: 'gpt-4o' })).toEqual(T(4, 1));
        expect(await search({ agent: 'researcher', model: 'claude-sonnet-4' })).toEqual(T(2));
        expect(await search({ agent: 'researcher', model: 'gpt-4o' })).toEqual([]);
        expect(await search({ agent: 'planner', status: 'error' })).toEqual(T(4));
      });
      it('span and resource attributes, compared as text', async () => {
        expect(await search({ attributes: { tenant: 'acme' } })).toEqual(T(1));
        expect(await search({ attributes: { 'deployment.environment': 'staging' } })).toEqual(T(2));
        expect(await search({ attributes: { 'gen_ai.system': 'openai' } })).toEqual(T(4, 1));
        expect(await search({ attributes: { 'http.status_code': '200' } })).toEqual(T(3));
        expect(await search({ attributes: { tenant: 'acme', 'deployment.environment': 'prod' } })).toEqual(
          T(1),
        );
        expect(await search({ attributes: { tenant: 'acme', 'deployment.environment': 'staging' } })).toEqual(
          [],
        );
        expect(await search({ attributes: { 'te\'nant"': 'acme' } })).toEqual([]);
      });
      it('lists the services seen on spans and logs', async () => {
        expect(await s.listServices(P)).toEqual(['checkout', 'payments', 'search']);
      });
    });

    describe('pagination', () => {
      it('walks every trace exactly once, newest first, while others are appended', async () => {
        // 23 traces, three per start time, so the tie-breaker matters
        const initial = Array.from({ length: 23 }, (_, i) =>
          makeSpan({ trace: 1000 + i, n: 1, start: T0 + BigInt(Math.floor(i / 3)) * SEC, durationMs: 1 }),
        );
        await store.append({ project: P, spans: initial, logs: [] });
        const seen: Array<{ traceId: string; start: bigint }> = [];
        let cursor: string | undefined;
        let extra = 0;
        let pages = 0;
        do {
          const page = await store.searchTraces({ project: P, limit: 5, cursor });
          pages++;
          for (const item of page.items)
            seen.push({ traceId: item.traceId, start: BigInt(item.startTimeUnixNano) });
          cursor = page.nextCursor ?? undefined;
          // a newer trace, an older one and one tying with the current page's last start
          const last = page.items[page.items.length - 1];
          await store.append({
            project: P,
            spans: [
              makeSpan({ trace: 5000 + extra++, n: 1, start: T0 + 100n * SEC, durationMs: 1 }),
              makeSpan({ trace: 5000 + extra++, n: 1, start: T0 - 100n * SEC, durationMs: 1 }),
              makeSpan({ trace: 5000 + extra++, n: 1, start: BigInt(last.startTimeUnixNano), durationMs: 1 }),
            ],
            logs: [],
          });
        } while (cursor !== undefined && pages < 100);
        const seenIds = seen.map((x) => x.traceId);
        expect(new Set(seenIds).size).toBe(seenIds.length);
        for (const span of initial) expect(seenIds).toContain(span.traceId);
        for (let i = 1; i < seen.length; i++) {
          const a = seen[i - 1];
          const b = seen[i];
          expect(a.start > b.start || (a.start === b.start && a.traceId > b.traceId)).toBe(true);
        }
      });

      it('summarises a trace fully on a later page even when one of its parts is newer than the page', async () => {
        await store.append({
          project: P,
          spans: Array.from({ length: 30 }, (_, i) =>
            makeSpan({ trace: 10 + i, n: 1, start: T0 + BigInt(10 + i) * SEC, durationMs: 5 }),
          ),
          logs: [],
        });
        await store.append({
          project: P,
          spans: [makeSpan({ trace: 99, n: 1, name: 'mid-root', start: T0 + 20n * SEC + 1n, durationMs: 5 })],
          logs: [],
        });
        await store.append({
          project: P,
          spans: [
            makeSpan({ trace: 99, n: 2, parent: 1, start: T0 + 50n * SEC, durationMs: 5, status: 'error' }),
          ],
          logs: [],
        });
        const walked: Array<{ traceId: string; spanCount: number; errorCount: number }> = [];
        let cursor: string | undefined;
        do {
          const page = await store.searchTraces({ project: P, limit: 2, cursor });
          walked.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        const expected = [
          ...Array.from({ length: 19 }, (_, i) => 39 - i),
          99,
          ...Array.from({ length: 11 }, (_, i) => 20 - i),
        ];
        expect(walked.map((t) => t.traceId)).toEqual(expected.map(traceIdOf));
        expect(walked.find((t) => t.traceId === traceIdOf(99))).toMatchObject({
          spanCount: 2,
          errorCount: 1,
        });
      });

      it('ends with nextCursor null and honours limit', async () => {
        await store.append({
          project: P,
          spans: Array.from({ length: 4 }, (_, i) =>
            makeSpan({ trace: 1 + i, n: 1, start: T0 + BigInt(i) * SEC, durationMs: 1 }),
          ),
          logs: [],
        });
        const first = await store.searchTraces({ project: P, limit: 4 });
        expect(first.items).toHaveLength(4);
        expect(first.nextCursor).toBeNull();
        const small = await store.searchTraces({ project: P, limit: 3 });
        expect(small.items).toHaveLength(3);
        const rest = await store.searchTraces({
          project: P,
          limit: 3,
          cursor: small.nextCursor ?? undefined,
        });
        expect(rest.items.map((i) => i.traceId)).toEqual([traceIdOf(1)]);
        expect(rest.nextCursor).toBeNull();
      });

      it('rejects a cursor it did not issue, naming the cursor', async () => {
        await expect(store.searchTraces({ project: P, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
        await expect(
          store.searchLogs({ project: P, cursor: Buffer.from('[1]').toString('base64url') }),
        ).rejects.toThrow(/cursor/);
      });
    });

    describe('searchLogs', () => {
      const logs = () => [
        makeLog({
          timeUnixNano: T0 + SEC,
          body: 'User logged in',
          traceId: traceIdOf(1),
          spanId: spanIdOf(1, 1),
          serviceName: 'checkout',
          attributes: { 'user.id': 'u1', n: 3 },
        }),
        makeLog({
          timeUnixNano: T0 + 2n * SEC,
          body: 'Slow response from LLM',
          severityNumber: 13,
          severityText: 'WARN',
          serviceName: 'search',
        }),
        makeLog({
          timeUnixNano: T0 + 3n * SEC,
          body: 'Tool FAILED: timeout',
          severityNumber: 17,
          severityText: 'ERROR',
          traceId: traceIdOf(2),
          serviceName: 'search',
        }),
        makeLog({
          timeUnixNano: T0 + 3n * SEC,
          body: 'payment declined',
          severityNumber: 0,
          severityText: 'ERROR',
          serviceName: 'payments',
        }),
        makeLog({
          timeUnixNano: T0 + 4n * SEC,
          body: 'cache miss',
          severityNumber: 5,
          severityText: 'DEBUG',
          serviceName: 'checkout',
        }),
      ];
      const bodies = (page: { items: Array<{ body: string }> }) => page.items.map((i) => i.body);

      beforeEach(async () => {
        const all = logs();
        await store.append({ project: P, spans: [], logs: all.slice(0, 3) });
        await store.append({ project: P, spans: [], logs: all.slice(3) });
      });

      it('lists newest first with every field', async () => {
        const page = await store.searchLogs({ project: P });
        expect(page.items).toHaveLength(5);
        expect(page.items[0].body).toBe('cache miss');
        expect(new Set(bodies(page).slice(1, 3))).toEqual(
          new Set(['Tool FAILED: timeout', 'payment declined']),
        );
        expect(page.items[4]).toEqual({
          timeUnixNano: String(T0 + SEC),
          severityNumber: 9,
          severityText: 'INFO',
          body: 'User logged in',
          traceId: traceIdOf(1),
          spanId: spanIdOf(1, 1),
          serviceName: 'checkout',
          attributes: { 'user.id': 'u1', n: 3 },
        });
        expect(page.items[0].traceId).toBeNull();
        expect(page.nextCursor).toBeNull();
      });
      it('filters by trace, service, time', async () => {
        expect(bodies(await store.searchLogs({ project: P, traceId: traceIdOf(1) }))).toEqual([
          'User logged in',
        ]);
        expect(bodies(await store.searchLogs({ project: P, service: 'search' }))).toEqual([
          'Tool FAILED: timeout',
          'Slow response from LLM',
        ]);
        const window = await store.searchLogs({
          project: P,
          fromUnixNano: T0 + 2n * SEC,
          toUnixNano: T0 + 3n * SEC,
        });
        expect(new Set(bodies(window))).toEqual(
          new Set(['Slow response from LLM', 'Tool FAILED: timeout', 'payment declined']),
        );
      });
      it('filters by minimum severity, as a number or a level name (text-only records by their text)', async () => {
        expect(new Set(bodies(await store.searchLogs({ project: P, severity: 'WARN' })))).toEqual(
          new Set(['Slow response from LLM', 'Tool FAILED: timeout', 'payment declined']),
        );
        expect(new Set(bodies(await store.searchLogs({ project: P, severity: 'error' })))).toEqual(
          new Set(['Tool FAILED: timeout', 'payment declined']),
        );
        expect(new Set(bodies(await store.searchLogs({ project: P, severity: '17' })))).toEqual(
          new Set(['Tool FAILED: timeout', 'payment declined']),
        );
        await expect(store.searchLogs({ project: P, severity: 'loud' })).rejects.toThrow(/severity/);
      });
      it('matches q as a case-insensitive substring of the body', async () => {
        expect(bodies(await store.searchLogs({ project: P, q: 'failed' }))).toEqual(['Tool FAILED: timeout']);
        expect(bodies(await store.searchLogs({ project: P, q: 'llm' }))).toEqual(['Slow response from LLM']);
        expect(bodies(await store.searchLogs({ project: P, q: '100%_' }))).toEqual([]);
      });
      it('paginates without repeats or gaps, ties included', async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.searchLogs({ project: P, limit: 2, cursor });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...bodies(page));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        expect(seen).toHaveLength(5);
        expect(new Set(seen).size).toBe(5);
      });
      it('lists log services too', async () => {
        expect(await store.listServices(P)).toEqual(['checkout', 'payments', 'search']);
      });
    });

    describe('spanSeries', () => {
      const from = T0 - 123_457n; // a whole second
      const fromMs = Number(from / MS);
      beforeEach(async () => {
        const at = (ms: number) => from + BigInt(ms) * MS;
        await store.append({
          project: P,
          spans: [
            makeSpan({
              trace: 1,
              n: 1,
              service: 'a',
              start: at(500),
              durationMs: 100,
              fields: { kind: 'llm', model: 'm1', inputTokens: 10, outputTokens: 1, costUsd: 0.1 },
            }),
            makeSpan({
              trace: 1,
              n: 2,
              service: 'a',
              start: at(1200),
              durationMs: 200,
              status: 'error',
              fields: { kind: 'tool' },
            }),
            makeSpan({
              trace: 2,
              n: 1,
              service: 'b',
              start: at(1700),
              durationMs: 300,
              fields: { kind: 'llm', model: 'm2', inputTokens: 20, outputTokens: 2, costUsd: 0.2 },
            }),
            makeSpan({
              trace: 2,
              n: 2,
              service: 'a',
              start: at(3100),
              durationMs: 400,
              fields: { kind: 'llm', model: 'm1', inputTokens: 30, outputTokens: 3 },
            }),
            makeSpan({ trace: 3, n: 1, service: 'a', start: at(4000), durationMs: 1 }), // outside [from, to)
          ],
          logs: [],
        });
      });
      const series = (
        measure: Parameters<Store['spanSeries']>[0]['measure'],
        extra: Partial<Parameters<Store['spanSeries']>[0]> = {},
      ) =>
        store.spanSeries({
          project: P,
          measure,
          fromUnixNano: from,
          toUnixNano: from + 4n * SEC,
          stepSeconds: 1,
          ...extra,
        });
      const values = async (...args: Parameters<typeof series>) =>
        (await series(...args)).map((s) => s.points.map((p) => p[1]));

      it('buckets by step with bucket start times in ms, counting measures 0 when empty', async () => {
        const [s] = await series('count');
        expect(s.labels).toEqual({});
        expect(s.points).toEqual([
          [fromMs, 1],
          [fromMs + 1000, 2],
          [fromMs + 2000, 0],
          [fromMs + 3000, 1],
        ]);
        expect(await values('errors')).toEqual([[0, 1, 0, 0]]);
        expect(await values('tokens')).toEqual([[11, 22, 0, 33]]);
        expect(await values('input_tokens')).toEqual([[10, 20, 0, 30]]);
        expect(await values('output_tokens')).toEqual([[1, 2, 0, 3]]);
        const [cost] = await values('cost');
        expect(cost[0]).toBeCloseTo(0.1, 10);
        expect(cost[1]).toBeCloseTo(0.2, 10);
        expect(cost[2]).toBe(0);
        expect(await values('rate', { stepSeconds: 2 })).toEqual([[1.5, 0.5]]);
      });
      it('ratios, averages and percentiles are null in an empty bucket', async () => {
        expect(await values('error_ratio')).toEqual([[0, 0.5, null, 0]]);
        const [avg] = await values('avg_duration');
        expect(avg[1]).toBeCloseTo(250, 6);
        expect(avg[2]).toBeNull();
        const [p50] = await values('p50');
        expect(p50[0]).toBeCloseTo(100, 6);
        expect(p50[1]).toBeCloseTo(250, 6);
        expect(p50[2]).toBeNull();
        const [p95] = await values('p95');
        expect(p95[1]).toBeGreaterThan(250);
        expect(p95[1]).toBeLessThanOrEqual(300);
        const [p99] = await values('p99');
        expect(p99[1]).toBeGreaterThanOrEqual(p95[1] as number);
        expect(p99[3]).toBeCloseTo(400, 6);
      });
      it('groups by a field, largest series first; spans without the field form no series', async () => {
        const byService = await series('count', { groupBy: 'service' });
        expect(byService.map((s) => s.labels)).toEqual([{ service: 'a' }, { service: 'b' }]);
        expect(byService[0].points.map((p) => p[1])).toEqual([1, 1, 0, 1]);
        expect(byService[1].points.map((p) => p[1])).toEqual([0, 1, 0, 0]);
        const byModel = await series('tokens', { groupBy: 'model' });
        expect(byModel.map((s) => s.labels)).toEqual([{ model: 'm1' }, { model: 'm2' }]);
        expect(byModel[0].points.map((p) => p[1])).toEqual([11, 0, 0, 33]);
        expect((await series('count', { groupBy: 'service', limit: 1 })).map((s) => s.labels)).toEqual([
          { service: 'a' },
        ]);
      });
      it('filters', async () => {
        expect(await values('count', { filter: { service: 'b' } })).toEqual([[0, 1, 0, 0]]);
        expect(await values('count', { filter: { kind: 'llm', model: 'm1' } })).toEqual([[1, 0, 0, 1]]);
      });
    });

    describe('spanCounts and spanAggregates (alerting reads, many selectors in one scan)', () => {
      const from = T0 - 123_457n;
      beforeEach(async () => {
        const at = (ms: number) => from + BigInt(ms) * MS;
        const spans = (service: string) => [
          makeSpan({
            trace: 1,
            n: 1,
            service,
            start: at(100),
            durationMs: 50,
            fields: { kind: 'llm', model: 'm1' },
          }),
          makeSpan({
            trace: 1,
            n: 2,
            service,
            start: at(200),
            durationMs: 3000,
            status: 'error',
            fields: { kind: 'tool' },
          }),
          makeSpan({
            trace: 2,
            n: 1,
            service,
            start: at(1500),
            durationMs: 2500,
            fields: { kind: 'llm', model: 'm2' },
          }),
          makeSpan({
            trace: 2,
            n: 2,
            service,
            start: at(1600),
            durationMs: 10,
            status: 'error',
            attributes: { 'tenant.id': 't1' },
          }),
        ];
        await store.append({ project: P, spans: spans('a'), logs: [] });
        // another project's spans, same ids: never counted for P
        await store.append({ project: 'other-project', spans: spans('a'), logs: [] });
      });

      it('counts each selector (and its bad spans) per step bucket, in its own project only', async () => {
        const buckets = await store.spanCounts({
          fromUnixNano: from,
          toUnixNano: from + 2n * SEC,
          stepSeconds: 1,
          selectors: [
            { project: P, filter: {}, bad: { status: 'error' } },
            { project: P, filter: { kind: 'llm' }, bad: { slowerThanMs: 1000 } },
            { project: P, filter: { attributes: { 'tenant.id': 't1' } }, bad: { status: 'error' } },
            { project: 'nobody', filter: {}, bad: { status: 'error' } },
          ],
        });
        expect(buckets.map((b) => [b.bucket, [...b.counts]])).toEqual([
          [0, [2, 1, 1, 0, 0, 0, 0, 0]],
          [1, [2, 1, 1, 1, 1, 1, 0, 0]],
        ]);
      });

      it('aggregates many measures over their own windows, per group', async () => {
        const to = from + 2n * SEC;
        const rows = await store.spanAggregates({
          groupBy: 'kind',
          toUnixNano: to,
          items: [
            { project: P, measure: 'count', fromUnixNano: from, filter: {} },
            { project: P, measure: 'errors', fromUnixNano: from + SEC, filter: {} },
            { project: P, measure: 'p50', fromUnixNano: from, filter: { service: 'a' } },
          ],
        });
        const byKind = Object.fromEntries(rows.map((r) => [r.group, r.values]));
        expect(byKind.llm).toEqual([2, 0, 1275]);
        expect(byKind.tool).toEqual([1, 0, 3000]);
        const none = await store.spanAggregates({
          toUnixNano: to,
          items: [{ project: P, measure: 'count', fromUnixNano: from, filter: { service: 'absent' } }],
        });
        expect(none).toEqual([{ group: '', values: [0] }]);
      });
    });

    describe('retention and stats', () => {
      it('deletes spans and logs older than the cut-off and keeps summaries consistent', async () => {
        await store.append({
          project: P,
          spans: [
            makeSpan({ trace: 1, n: 1, start: T0, durationMs: 10 }),
            makeSpan({ trace: 1, n: 2, parent: 1, start: T0 + MS, durationMs: 5 }),
            // trace 2 straddles the cut-off: its root goes, its child stays
            makeSpan({ trace: 2, n: 1, name: 'old-root', start: T0 + 500n * MS, durationMs: 2000 }),
            makeSpan({
              trace: 2,
              n: 2,
              parent: 1,
              name: 'kept-child',
              start: T0 + 1500n * MS,
              durationMs: 100,
              status: 'error',
            }),
            makeSpan({ trace: 3, n: 1, name: 'new', start: T0 + 2n * SEC, durationMs: 10 }),
          ],
          logs: [
            makeLog({ timeUnixNano: T0, body: 'old' }),
            makeLog({ timeUnixNano: T0 + 2n * SEC, body: 'new' }),
          ],
        });
        await store.append({
          project: P,
          spans: [
            makeSpan({
              trace: 2,
              n: 3,
              parent: 1,
              name: 'later-child',
              start: T0 + 1600n * MS,
              durationMs: 10,
            }),
          ],
          logs: [],
        });
        expect(await store.deleteOlderThan(T0 + SEC)).toEqual({ deletedSpans: 3, deletedLogs: 1 });
        expect(await store.getTrace(P, traceIdOf(1))).toBeNull();
        expect((await store.getTrace(P, traceIdOf(2)))?.map((s) => s.name)).toEqual([
          'kept-child',
          'later-child',
        ]);
        const items = (await store.searchTraces({ project: P })).items;
        expect(items.map((i) => i.traceId)).toEqual([traceIdOf(3), traceIdOf(2)]);
        expect(items[1]).toMatchObject({
          spanCount: 2,
          errorCount: 1,
          startTimeUnixNano: String(T0 + 1500n * MS),
          rootName: 'kept-child',
        });
        expect((await store.searchLogs({ project: P })).items.map((l) => l.body)).toEqual(['new']);
        expect(await store.stats()).toMatchObject({ spans: 3, logs: 1 });
        expect(await store.deleteOlderThan(T0)).toEqual({ deletedSpans: 0, deletedLogs: 0 });
      });

      it('counts spans and logs; bytes is null or a size', async () => {
        await store.append({
          project: P,
          spans: richTrace(1),
          logs: [makeLog({ timeUnixNano: T0, body: 'x' })],
        });
        const stats = await store.stats();
        expect(stats.spans).toBe(3);
        expect(stats.logs).toBe(1);
        if (stats.bytes !== null) expect(stats.bytes).toBeGreaterThan(0);
      });
    });

    describe('idempotence: a span is stored once per (trace id, span id)', () => {
      const summary = async () => (await store.searchTraces({ project: P })).items;

      it('stores a batch sent three times once, and says which spans were new', async () => {
        const spans = richTrace(1);
        const results = [];
        for (let i = 0; i < 3; i++) results.push(await store.append({ project: P, spans, logs: [] }));
        expect(results.map((r) => r.spans.length)).toEqual([3, 0, 0]);
        expect(await store.getTrace(P, traceIdOf(1))).toEqual(spans);
        expect((await store.stats()).spans).toBe(3);
        const [item] = await summary();
        expect(item).toMatchObject({ spanCount: 3, errorCount: 1, totalTokens: 1550 });
        expect(item.costUsd).toBeCloseTo(0.00651, 10);
        const tokens = await store.spanSeries({
          project: P,
          measure: 'tokens',
          fromUnixNano: T0,
          toUnixNano: T0 + 10n * SEC,
          stepSeconds: 10,
        });
        expect(tokens[0].points[0][1]).toBe(1550);
      });

      it('stores a span repeated within one batch once', async () => {
        const spans = richTrace(1);
        const result = await store.append({ project: P, spans: [...spans, spans[1], ...spans], logs: [] });
        expect(result.spans).toEqual(spans);
        expect((await store.stats()).spans).toBe(3);
        expect((await summary())[0].spanCount).toBe(3);
      });

      it('stores the new spans of a batch that overlaps an earlier one', async () => {
        const spans = richTrace(1);
        await store.append({ project: P, spans: spans.slice(0, 2), logs: [] });
        const result = await store.append({ project: P, spans: spans.slice(1), logs: [] });
        expect(result.spans).toEqual(spans.slice(2));
        expect(await store.getTrace(P, traceIdOf(1))).toEqual(spans);
        expect((await summary())[0]).toMatchObject({ spanCount: 3, totalTokens: 1550 });
      });

      it('stores concurrent appends of the same spans once, all resolving once stored', async () => {
        const spans = richTrace(1);
        const results = await Promise.all(
          Array.from({ length: 5 }, () =>
            store.append({ project: P, spans, logs: [] }).then(async (r) => {
              expect(await store.getTrace(P, traceIdOf(1))).toHaveLength(3);
              return r;
            }),
          ),
        );
        expect(results.flatMap((r) => r.spans)).toHaveLength(3);
        expect((await store.stats()).spans).toBe(3);
      });

      it('remembers what it holds across close and reopen', async () => {
        const spans = richTrace(1);
        await store.append({ project: P, spans, logs: [] });
        const before = await summary();
        await store.close();
        store = await sut.reopen();
        expect((await store.append({ project: P, spans, logs: [] })).spans).toEqual([]);
        expect(await summary()).toEqual(before);
        expect((await store.stats()).spans).toBe(3);
      });

      it('gives beforeCommit only the new spans, and writes nothing when it fails', async () => {
        const spans = richTrace(1);
        await store.append({ project: P, spans: [spans[0]], logs: [] });
        const seen: string[][] = [];
        const failing = store.append(
          { project: P, spans, logs: [makeLog({ timeUnixNano: T0, body: 'with the batch' })] },
          {
            beforeCommit: async (fresh) => {
              seen.push(fresh.spans.map((s) => s.spanId));
              expect(fresh.logs).toHaveLength(1);
              throw new Error('audit log unavailable');
            },
          },
        );
        await expect(failing).rejects.toThrow('audit log unavailable');
        expect(seen).toEqual([[spans[1].spanId, spans[2].spanId]]);
        expect((await store.stats()).spans).toBe(1);
        expect((await store.stats()).logs).toBe(0);
        // the retry claims them again
        const retry = await store.append(
          { project: P, spans, logs: [] },
          { beforeCommit: async (fresh) => void seen.push(fresh.spans.map((s) => s.spanId)) },
        );
        expect(retry.spans).toEqual(spans.slice(1));
        expect(seen[1]).toEqual([spans[1].spanId, spans[2].spanId]);
        expect(await store.getTrace(P, traceIdOf(1))).toEqual(spans);
      });

      it('appends logs every time (they have no identity)', async () => {
        const log = makeLog({ timeUnixNano: T0, body: 'twice' });
        await store.append({ project: P, spans: [], logs: [log] });
        await store.append({ project: P, spans: [], logs: [log] });
        expect((await store.stats()).logs).toBe(2);
      });
    });

    describe('durability', () => {
      it('keeps everything appended across close and reopen', async () => {
        const spans = richTrace(1);
        await store.append({ project: P, spans, logs: [makeLog({ timeUnixNano: T0, body: 'kept' })] });
        const before = await store.searchTraces({ project: P });
        await store.close();
        store = await sut.reopen();
        expect(await store.getTrace(P, traceIdOf(1))).toEqual(spans);
        expect(await store.searchTraces({ project: P })).toEqual(before);
        expect((await store.searchLogs({ project: P })).items.map((l) => l.body)).toEqual(['kept']);
        // appends continue after reopening, and log pagination stays unique
        await store.append({ project: P, spans: [], logs: [makeLog({ timeUnixNano: T0, body: 'again' })] });
        const first = await store.searchLogs({ project: P, limit: 1 });
        const second = await store.searchLogs({
          project: P,
          limit: 1,
          cursor: first.nextCursor ?? undefined,
        });
        expect(new Set([...first.items, ...second.items].map((l) => l.body))).toEqual(
          new Set(['kept', 'again']),
        );
      });

      it('rejects appends after close', async () => {
        await store.close();
        closed = true;
        await expect(store.append({ project: P, spans: richTrace(1), logs: [] })).rejects.toThrow(/closed/);
      });
    });

    describe('projects: the same ids in two projects are two traces, and no read mixes them', () => {
      // Same trace and span ids in both projects, different content: A's trace is a healthy checkout,
      // B's a failing payment with an agent, a session and an attribute A never has.
      const A = 'alpha';
      const B = 'beta';
      const traceA = () => [
        makeSpan({ trace: 1, n: 1, name: 'a-root', service: 'a-svc', start: T0, durationMs: 10 }),
        makeSpan({
          trace: 1,
          n: 2,
          parent: 1,
          name: 'a-child',
          service: 'a-svc',
          start: T0 + MS,
          durationMs: 2,
        }),
      ];
      const traceB = () => [
        makeSpan({
          trace: 1,
          n: 1,
          name: 'b-root',
          service: 'b-svc',
          start: T0 + 5n * SEC,
          durationMs: 900,
          status: 'error',
          attributes: { tenant: 'bravo' },
          fields: {
            agentName: 'b-agent',
            sessionId: 'b-session',
            userId: 'b-user',
            model: 'b-model',
            kind: 'llm',
          },
        }),
        makeSpan({
          trace: 1,
          n: 2,
          parent: 1,
          name: 'b-child',
          service: 'b-svc',
          start: T0 + 5n * SEC + MS,
          durationMs: 5,
        }),
        makeSpan({
          trace: 1,
          n: 3,
          parent: 1,
          name: 'b-extra',
          service: 'b-svc',
          start: T0 + 5n * SEC + 2n * MS,
          durationMs: 5,
        }),
      ];
      const logA = makeLog({
        timeUnixNano: T0,
        body: 'alpha log',
        serviceName: 'a-svc',
        traceId: traceIdOf(1),
      });
      const logB = makeLog({
        timeUnixNano: T0 + SEC,
        body: 'beta log',
        serviceName: 'b-svc',
        traceId: traceIdOf(1),
      });
      const fill = async () => {
        const a = await store.append({ project: A, spans: traceA(), logs: [logA] });
        const b = await store.append({ project: B, spans: traceB(), logs: [logB] });
        return { a, b };
      };

      it('stores both, neither deduplicating the other away, and getTrace answers each its own', async () => {
        const { a, b } = await fill();
        expect(a.spans).toHaveLength(2);
        expect(b.spans).toHaveLength(3);
        expect((await store.getTrace(A, traceIdOf(1)))?.map((s) => s.name)).toEqual(['a-root', 'a-child']);
        expect((await store.getTrace(B, traceIdOf(1)))?.map((s) => s.name)).toEqual([
          'b-root',
          'b-child',
          'b-extra',
        ]);
        expect(await store.getTrace('gamma', traceIdOf(1))).toBeNull();
        // a retry into each project is still deduplicated within it
        expect((await store.append({ project: B, spans: traceB(), logs: [] })).spans).toEqual([]);
        expect((await store.append({ project: A, spans: traceA(), logs: [] })).spans).toEqual([]);
        expect((await store.stats()).spans).toBe(5);
      });

      it('summarises and filters each project from its own spans only', async () => {
        await fill();
        const [sa] = (await store.searchTraces({ project: A })).items;
        expect(sa).toMatchObject({ rootName: 'a-root', serviceName: 'a-svc', spanCount: 2, errorCount: 0 });
        expect(sa.agents).toEqual([]);
        expect(sa.sessionId).toBeNull();
        const [sb] = (await store.searchTraces({ project: B })).items;
        expect(sb).toMatchObject({ rootName: 'b-root', spanCount: 3, errorCount: 1, sessionId: 'b-session' });
        // every filter that matches B's trace finds nothing in A
        const bOnly: Array<Omit<TraceQuery, 'project'>> = [
          { service: 'b-svc' },
          { status: 'error' },
          { name: 'b-child' },
          { agent: 'b-agent' },
          { model: 'b-model' },
          { kind: 'llm' },
          { sessionId: 'b-session' },
          { userId: 'b-user' },
          { minDurationMs: 500 },
          { attributes: { tenant: 'bravo' } },
          { fromUnixNano: T0 + 4n * SEC },
        ];
        const label = (q: object) => JSON.stringify(q, (_, v) => (typeof v === 'bigint' ? String(v) : v));
        for (const q of bOnly) {
          expect(
            (await store.searchTraces({ project: B, ...q })).items.map((i) => i.traceId),
            label(q),
          ).toEqual([traceIdOf(1)]);
          expect((await store.searchTraces({ project: A, ...q })).items, label(q)).toEqual([]);
        }
        expect((await store.searchTraces({ project: B, status: 'ok' })).items).toEqual([]);
        expect((await store.searchTraces({ project: A, status: 'ok' })).items).toHaveLength(1);
        expect((await store.searchTraces({ project: 'gamma' })).items).toEqual([]);
      });

      it('pages each project through its own traces only', async () => {
        for (const project of [A, B])
          await store.append({
            project,
            spans: Array.from({ length: 7 }, (_, i) =>
              makeSpan({ trace: i + 1, n: 1, service: project, start: T0 + BigInt(i) * SEC, durationMs: 1 }),
            ),
            logs: [],
          });
        await store.append({
          project: B,
          spans: [makeSpan({ trace: 99, n: 1, service: B, start: T0 + 100n * SEC, durationMs: 1 })],
          logs: [],
        });
        const walk = async (project: string) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.searchTraces({ project, limit: 3, cursor });
            seen.push(...page.items.map((i) => `${i.serviceName}:${i.traceId}`));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return seen;
        };
        const a = await walk(A);
        expect(a).toHaveLength(7);
        expect(a.every((x) => x.startsWith(`${A}:`))).toBe(true);
        const b = await walk(B);
        expect(b).toHaveLength(8);
        expect(b.every((x) => x.startsWith(`${B}:`))).toBe(true);
      });

      it('keeps logs, services, projects and series apart', async () => {
        await fill();
        const bodies = async (q: { project: string; traceId?: string }) =>
          (await store.searchLogs(q)).items.map((l) => l.body);
        expect(await bodies({ project: A })).toEqual(['alpha log']);
        expect(await bodies({ project: B, traceId: traceIdOf(1) })).toEqual(['beta log']);
        expect((await store.searchLogs({ project: A, q: 'beta' })).items).toEqual([]);
        expect(await store.listServices(A)).toEqual(['a-svc']);
        expect(await store.listServices(B)).toEqual(['b-svc']);
        expect(await store.listServices('gamma')).toEqual([]);
        expect(await store.listProjects()).toEqual([A, B]);
        const count = async (project: string) =>
          store.spanSeries({
            project,
            measure: 'count',
            groupBy: 'service',
            fromUnixNano: T0,
            toUnixNano: T0 + 10n * SEC,
            stepSeconds: 10,
          });
        expect(await count(A)).toEqual([{ labels: { service: 'a-svc' }, points: [[Number(T0 / MS), 2]] }]);
        expect(await count(B)).toEqual([{ labels: { service: 'b-svc' }, points: [[Number(T0 / MS), 3]] }]);
      });

      it('rebuilds a straddling trace of each project from its own spans at retention', async () => {
        // both traces straddle the cut-off: each keeps its spans after it, and only its own
        await store.append({
          project: A,
          spans: [
            makeSpan({ trace: 1, n: 1, name: 'a-old', start: T0, durationMs: 1 }),
            makeSpan({ trace: 1, n: 2, name: 'a-new', start: T0 + 20n * SEC, durationMs: 1 }),
          ],
          logs: [],
        });
        await store.append({
          project: B,
          spans: [
            makeSpan({ trace: 1, n: 1, name: 'b-old', start: T0, durationMs: 60_000 }),
            makeSpan({ trace: 1, n: 2, name: 'b-new', start: T0 + 30n * SEC, durationMs: 1 }),
            makeSpan({ trace: 1, n: 3, name: 'b-newer', start: T0 + 40n * SEC, durationMs: 1 }),
          ],
          logs: [],
        });
        await store.deleteOlderThan(T0 + 10n * SEC);
        expect((await store.getTrace(A, traceIdOf(1)))?.map((s) => s.name)).toEqual(['a-new']);
        expect((await store.getTrace(B, traceIdOf(1)))?.map((s) => s.name)).toEqual(['b-new', 'b-newer']);
        expect((await store.searchTraces({ project: A })).items.map((i) => i.spanCount)).toEqual([1]);
        expect((await store.searchTraces({ project: B })).items.map((i) => i.spanCount)).toEqual([2]);
      });

      it('remembers identities per project across close and reopen', async () => {
        await fill();
        await store.close();
        store = await sut.reopen();
        expect((await store.append({ project: A, spans: traceA(), logs: [] })).spans).toEqual([]);
        expect((await store.append({ project: B, spans: traceB(), logs: [] })).spans).toEqual([]);
        // A's ids sent to a third project are new there
        expect((await store.append({ project: 'gamma', spans: traceA(), logs: [] })).spans).toHaveLength(2);
        expect((await store.getTrace(A, traceIdOf(1)))?.map((s) => s.name)).toEqual(['a-root', 'a-child']);
      });
    });
    describe('scores', () => {
      /** A score with every field set; `over` changes some. */
      const score = (over: Partial<ScoreRecord> & { id: string }): ScoreRecord => ({
        name: 'helpfulness',
        value: 0.5,
        label: null,
        traceId: traceIdOf(1),
        spanId: null,
        sessionId: 'sess-1',
        source: 'model',
        comment: null,
        author: null,
        agent: 'planner',
        model: 'gpt-4o',
        timeUnixNano: T0,
        ...over,
      });
      const scoreIds = async (q: Omit<Parameters<Store['searchScores']>[0], 'project'>, project = P) =>
        (await store.searchScores({ project, ...q })).items.map((s) => s.id);

      it('stores scores with every field and lists them newest first, filtered', async () => {
        await store.appendScores(P, [
          score({ id: 'a', timeUnixNano: T0 + 1n * SEC, comment: 'fine', author: 'judge-v2' }),
          score({
            id: 'b',
            name: 'verdict',
            value: null,
            label: 'fail',
            spanId: spanIdOf(1, 2),
            source: 'code',
            timeUnixNano: T0 + 3n * SEC,
          }),
          score({
            id: 'c',
            traceId: null,
            sessionId: 'sess-2',
            source: 'human',
            author: 'alice',
            timeUnixNano: T0 + 2n * SEC,
          }),
        ]);
        const page = await store.searchScores({ project: P });
        expect(page.items.map((s) => s.id)).toEqual(['b', 'c', 'a']);
        expect(page.nextCursor).toBeNull();
        expect(page.items[2]).toEqual({
          id: 'a',
          name: 'helpfulness',
          value: 0.5,
          label: null,
          traceId: traceIdOf(1),
          spanId: null,
          sessionId: 'sess-1',
          source: 'model',
          comment: 'fine',
          author: 'judge-v2',
          agent: 'planner',
          model: 'gpt-4o',
          time: new Date(Number((T0 + 1n * SEC) / MS)).toISOString(),
        });
        expect(page.items[0]).toMatchObject({
          value: null,
          label: 'fail',
          spanId: spanIdOf(1, 2),
          source: 'code',
        });
        expect(await scoreIds({ traceId: traceIdOf(1) })).toEqual(['b', 'a']);
        expect(await scoreIds({ spanId: spanIdOf(1, 2) })).toEqual(['b']);
        expect(await scoreIds({ sessionId: 'sess-2' })).toEqual(['c']);
        expect(await scoreIds({ name: 'verdict' })).toEqual(['b']);
        expect(await scoreIds({ source: 'human' })).toEqual(['c']);
        expect(await scoreIds({ fromUnixNano: T0 + 2n * SEC, toUnixNano: T0 + 2n * SEC })).toEqual(['c']);
      });

      it('replaces a score written again with the same id, pages with a cursor, keeps projects apart, survives reopen', async () => {
        await store.appendScores(P, [
          score({ id: 'x', value: 0.1 }),
          score({ id: 'y', timeUnixNano: T0 + SEC }),
        ]);
        await store.appendScores(P, [score({ id: 'x', value: 0.9, comment: 'edited' })]);
        await store.appendScores('other', [score({ id: 'x', value: 0.2 })]);
        const first = await store.searchScores({ project: P, limit: 1 });
        expect(first.items.map((s) => s.id)).toEqual(['y']);
        const second = await store.searchScores({ project: P, limit: 1, cursor: first.nextCursor ?? '' });
        expect(second.items.map((s) => [s.id, s.value, s.comment])).toEqual([['x', 0.9, 'edited']]);
        expect(second.nextCursor).toBeNull();
        await store.close();
        store = await sut.reopen();
        expect((await store.searchScores({ project: P })).items).toHaveLength(2);
        expect((await store.searchScores({ project: 'other' })).items.map((s) => s.value)).toEqual([0.2]);
        expect((await store.searchScores({ project: 'nobody' })).items).toEqual([]);
      });

      it('summarises scores per name and agent or model over time buckets, with label counts', async () => {
        await store.appendScores(P, [
          score({ id: '1', value: 1, agent: 'planner', model: 'gpt-4o', timeUnixNano: T0 }),
          score({ id: '2', value: 0, agent: 'planner', model: 'gpt-4o-mini', timeUnixNano: T0 + 10n * SEC }),
          score({ id: '3', value: 0.5, agent: 'coder', model: 'gpt-4o', timeUnixNano: T0 + 70n * SEC }),
          score({
            id: '4',
            name: 'verdict',
            value: null,
            label: 'pass',
            agent: 'coder',
            timeUnixNano: T0 + 5n * SEC,
          }),
          score({
            id: '5',
            name: 'verdict',
            value: null,
            label: 'pass',
            agent: 'coder',
            timeUnixNano: T0 + 6n * SEC,
          }),
          score({
            id: '6',
            name: 'verdict',
            value: null,
            label: 'fail',
            agent: 'coder',
            timeUnixNano: T0 + 7n * SEC,
          }),
          score({ id: 'late', value: 1, timeUnixNano: T0 + 500n * SEC }),
        ]);
        await store.appendScores('other', [score({ id: 'o', value: 100 })]);
        const base = { project: P, fromUnixNano: T0, toUnixNano: T0 + 120n * SEC, stepSeconds: 60 };
        const byAgent = await store.scoreSummary({ ...base, groupBy: 'agent' });
        const sorted = [...byAgent].sort((a, b) =>
          `${a.name}/${a.group}`.localeCompare(`${b.name}/${b.group}`),
        );
        const t0ms = Number(T0 / MS);
        expect(sorted).toEqual([
          {
            name: 'helpfulness',
            group: 'coder',
            count: 1,
            avg: 0.5,
            min: 0.5,
            max: 0.5,
            labels: {},
            points: [[t0ms + 60_000, 0.5, 1]],
          },
          {
            name: 'helpfulness',
            group: 'planner',
            count: 2,
            avg: 0.5,
            min: 0,
            max: 1,
            labels: {},
            points: [[t0ms, 0.5, 2]],
          },
          {
            name: 'verdict',
            group: 'coder',
            count: 3,
            avg: null,
            min: null,
            max: null,
            labels: { pass: 2, fail: 1 },
            points: [[t0ms, null, 3]],
          },
        ]);
        const byModel = await store.scoreSummary({ ...base, groupBy: 'model', name: 'helpfulness' });
        expect(byModel.map((g) => [g.group, g.count, g.avg]).sort()).toEqual([
          ['gpt-4o', 2, 0.75],
          ['gpt-4o-mini', 1, 0],
        ]);
      });

      it('filters the trace list by score: a value comparison, a label, a span score, a session score', async () => {
        const trace = (t: number, session: string) =>
          makeSpan({
            trace: t,
            n: 1,
            start: T0 + BigInt(t) * SEC,
            durationMs: 5,
            fields: { sessionId: session },
          });
        await store.append({
          project: P,
          spans: [trace(1, 's1'), trace(2, 's1'), trace(3, 's3'), trace(4, 's4')],
          logs: [],
        });
        await store.appendScores(P, [
          score({ id: 'a', traceId: traceIdOf(1), value: 0.9 }),
          score({ id: 'b', traceId: traceIdOf(2), spanId: spanIdOf(2, 1), value: 0.2 }),
          score({ id: 'c', traceId: traceIdOf(3), name: 'verdict', value: null, label: 'pass' }),
          score({ id: 'd', traceId: null, sessionId: 's4', value: 0.7 }),
        ]);
        // a score of another project never lets a trace through
        await store.appendScores('other', [score({ id: 'e', traceId: traceIdOf(2), value: 1 })]);
        const search = async (scores: TraceQuery['scores']) =>
          ids(await store.searchTraces({ project: P, scores })).sort();
        expect(await search([{ name: 'helpfulness', op: '>', value: 0.5 }])).toEqual([
          traceIdOf(1),
          traceIdOf(4),
        ]);
        expect(await search([{ name: 'helpfulness', op: '<=', value: 0.2 }])).toEqual([traceIdOf(2)]);
        expect(await search([{ name: 'verdict', op: '=', value: 'pass' }])).toEqual([traceIdOf(3)]);
        expect(await search([{ name: 'verdict', op: '!=', value: 'pass' }])).toEqual([]);
        expect(
          await search([
            { name: 'helpfulness', op: '>=', value: 0.2 },
            { name: 'helpfulness', op: '<', value: 0.8 },
          ]),
        ).toEqual([traceIdOf(2), traceIdOf(4)]);
      });

      it('deletes scores from before the retention cut-off', async () => {
        await store.appendScores(P, [
          score({ id: 'old', timeUnixNano: T0 }),
          score({ id: 'new', timeUnixNano: T0 + 20n * SEC }),
        ]);
        await store.deleteOlderThan(T0 + 10n * SEC);
        expect(await scoreIds({})).toEqual(['new']);
      });
    });

    // sessions, users, usage and funnels (issue 17): one store filled once, compared with brute force
    analyticsConformance(makeStore);
  });
}
