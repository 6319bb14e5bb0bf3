/**
 * Conformance cases of the analytics reads (sessions, users, a session's turns, usage, funnels):
 * `runStoreConformance` runs them for every engine. One store is filled once per engine with a
 * seeded workload (two projects, traces split over several appends, spans without session or user,
 * errors, non-finite tokens) and every answer is compared with the brute-force reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/index.js';
import { AnalyticsReference, diffRows } from './analytics-reference.js';
import { StoreQueryError } from './query-error.js';
import { MS, makeSpan, SEC, T0, traceIdOf } from './test-records.js';
import type { Store } from './types.js';

const P = 'analytics';
const OTHER = 'analytics-other';
const AGENTS = ['planner', 'coder', 'support'];
const MODELS = ['gpt-4o', 'claude-haiku'];
const TOOLS = ['web.search', 'db.query', 'email.send'];

/** Deterministic pseudo-random in [0, 1). */
function rand(a: number, b: number): number {
  let x = (a * 374761393 + b * 668265263) >>> 0;
  x = ((x ^ (x >>> 13)) * 1274126177) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

/** Trace t: an agent root, LLM calls and tool calls; session/user from t; some left without either. */
export function analyticsTrace(t: number): SpanRecord[] {
  const session = t % 9 === 4 ? null : `s-${t % 7}`;
  const user = t % 11 === 5 ? null : `u-${t % 4}`;
  const agent = AGENTS[t % AGENTS.length];
  const start = T0 + BigInt(t) * 60n * SEC;
  const spans: SpanRecord[] = [];
  const n = 3 + (t % 5);
  for (let i = 1; i <= n; i++) {
    const kind = i === 1 ? 'agent' : i % 2 === 0 ? 'llm' : 'tool';
    const model = kind === 'llm' ? MODELS[Math.floor(rand(t, i) * MODELS.length)] : null;
    const tool = kind === 'tool' ? TOOLS[Math.floor(rand(t, i + 50) * TOOLS.length)] : null;
    spans.push(
      makeSpan({
        trace: 1000 + t,
        n: i,
        parent: i === 1 ? null : 1,
        name:
          kind === 'agent'
            ? `invoke_agent ${agent}`
            : kind === 'llm'
              ? `chat ${model}`
              : `execute_tool ${tool}`,
        service: t % 2 === 0 ? 'checkout' : 'support',
        start: start + BigInt(i) * 10n * MS,
        durationMs: i === 1 ? 900 : 50 + Math.floor(rand(t, i + 100) * 300),
        status: rand(t, i + 200) < 0.15 ? 'error' : 'unset',
        fields: {
          kind,
          sessionId: session,
          userId: user,
          agentName: agent,
          model,
          toolName: tool,
          input: i === 1 ? `question ${t}` : null,
          output: i === 1 && t % 3 !== 0 ? `answer ${t}` : kind === 'llm' ? `llm says ${t}.${i}` : null,
          inputTokens: kind === 'llm' ? (t === 13 && i === 2 ? Number.NaN : 100 + i * t) : null,
          outputTokens: kind === 'llm' ? 10 + i : null,
          costUsd: kind === 'llm' ? 0.001 * (i + (t % 3)) + 1e-7 * t : null,
        },
      }),
    );
  }
  return spans;
}

export const ANALYTICS_TRACES = 40;

export function analyticsConformance(
  makeStore: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
): void {
  describe('analytics', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const ref = new AnalyticsReference();

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
      // each trace in two appends (two parts), traces interleaved across appends
      const first: SpanRecord[] = [];
      const second: SpanRecord[] = [];
      for (let t = 0; t < ANALYTICS_TRACES; t++) {
        const spans = analyticsTrace(t);
        for (const s of spans) ref.add(P, s);
        first.push(...spans.slice(0, 2));
        second.push(...spans.slice(2));
      }
      await store.append({ project: P, spans: first, logs: [] });
      // a read between a trace's two appends: an engine that keeps rollups must merge the second
      // part into what it already summed, not count it apart
      await store.listSessions({ project: P });
      await store.append({ project: P, spans: second, logs: [] });
      // the same ids in another project: never in P's answers
      const other = analyticsTrace(1).map((s) => ({ ...s, sessionId: 's-1', costUsd: 1000 }));
      for (const s of other) ref.add(OTHER, s);
      await store.append({ project: OTHER, spans: other, logs: [] });
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    async function allPages<T>(
      fetch: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
    ) {
      const items: T[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 200; i++) {
        const page = await fetch(cursor);
        items.push(...page.items);
        if (page.nextCursor === null) return items;
        cursor = page.nextCursor;
      }
      throw new Error('more than 200 pages');
    }

    it('lists sessions and users exactly as the brute-force reference', async () => {
      const sessions = await store.listSessions({ project: P, limit: 500 });
      expect(diffRows('sessions', sessions.items, ref.sessions(P))).toEqual([]);
      expect(sessions.items.length).toBe(7);
      const users = await store.listUsers({ project: P, limit: 500 });
      expect(diffRows('users', users.items, ref.users(P))).toEqual([]);
      expect(users.items.length).toBe(4);
      // the other project's copy of trace 1 is only there
      const other = await store.listSessions({ project: OTHER });
      expect(other.items.map((s) => [s.sessionId, s.costUsd > 1000])).toEqual([['s-1', true]]);
    });

    it('counts only traces that started in [from, to]', async () => {
      const from = T0 + 10n * 60n * SEC;
      const to = T0 + 25n * 60n * SEC + 5n * MS;
      const got = await store.listSessions({ project: P, fromUnixNano: from, toUnixNano: to, limit: 500 });
      expect(diffRows('sessions in range', got.items, ref.sessions(P, { from, to }))).toEqual([]);
      const users = await store.listUsers({ project: P, fromUnixNano: from, limit: 500 });
      expect(diffRows('users from', users.items, ref.users(P, { from }))).toEqual([]);
    });

    it('sorts by every column both ways and pages through with the cursor, nothing repeated or skipped', async () => {
      const want = ref.sessions(P);
      for (const sort of ['cost', 'traces', 'tokens', 'duration', 'firstSeen', 'errors', 'turns'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const got = await allPages((cursor) =>
            store.listSessions({ project: P, sort, order, limit: 2, cursor }),
          );
          expect(got.map((s) => s.sessionId).sort()).toEqual(want.map((s) => s.sessionId).sort());
          const key = (s: (typeof got)[number]) =>
            sort === 'cost'
              ? s.costUsd
              : sort === 'tokens'
                ? s.totalTokens
                : sort === 'duration'
                  ? s.durationMs
                  : sort === 'firstSeen'
                    ? Number(BigInt(s.firstSeenUnixNano) - T0)
                    : s[sort];
          for (let i = 1; i < got.length; i++)
            expect(order === 'desc' ? key(got[i - 1]) >= key(got[i]) : key(got[i - 1]) <= key(got[i])).toBe(
              true,
            );
        }
      }
      const users = await allPages((cursor) =>
        store.listUsers({ project: P, sort: 'sessions', limit: 1, cursor }),
      );
      expect(users.map((u) => u.userId).sort()).toEqual(['u-0', 'u-1', 'u-2', 'u-3']);
    });

    it('filters by agent, model, service, user, minimum cost and errors', async () => {
      const all = ref.sessions(P);
      const byAgent = await store.listSessions({ project: P, agent: 'coder', limit: 500 });
      expect(byAgent.items.map((s) => s.sessionId)).toEqual(
        all.filter((s) => s.agents.includes('coder')).map((s) => s.sessionId),
      );
      const byModel = await store.listUsers({ project: P, model: 'claude-haiku', limit: 500 });
      expect(byModel.items.map((u) => u.userId)).toEqual(
        ref
          .users(P)
          .filter((u) => u.models.includes('claude-haiku'))
          .map((u) => u.userId),
      );
      const one = await store.listUsers({ project: P, userId: 'u-2' });
      expect(
        diffRows(
          'one user',
          one.items,
          ref.users(P).filter((u) => u.userId === 'u-2'),
        ),
      ).toEqual([]);
      const byUser = await store.listSessions({ project: P, userId: 'u-2', limit: 500 });
      expect(byUser.items.length).toBeGreaterThan(0);
      for (const s of byUser.items) expect(s.users).toEqual(['u-2']);
      const min = all.map((s) => s.costUsd).sort((a, b) => a - b)[3];
      const rich = await store.listSessions({ project: P, minCostUsd: min, limit: 500 });
      expect(rich.items.map((s) => s.sessionId)).toEqual(
        all.filter((s) => s.costUsd >= min).map((s) => s.sessionId),
      );
      const failing = await store.listSessions({ project: P, status: 'error', limit: 500 });
      expect(failing.items.map((s) => s.sessionId)).toEqual(
        all.filter((s) => s.errors > 0).map((s) => s.sessionId),
      );
      const none = await store.listSessions({ project: P, service: 'nothing-runs-here' });
      expect(none).toEqual({ items: [], nextCursor: null });
    });

    it('refuses a foreign cursor, a cursor of another sort and a users-only sort on sessions', async () => {
      await expect(store.listSessions({ project: P, cursor: 'bogus' })).rejects.toBeInstanceOf(
        StoreQueryError,
      );
      const page = await store.listSessions({ project: P, sort: 'cost', limit: 1 });
      await expect(
        store.listSessions({ project: P, sort: 'traces', limit: 1, cursor: page.nextCursor ?? '' }),
      ).rejects.toThrow(/sorted by cost/);
      await expect(store.listSessions({ project: P, sort: 'sessions' })).rejects.toBeInstanceOf(
        StoreQueryError,
      );
    });

    it("returns one session's traces oldest first with previews, and pages them", async () => {
      const detail = await store.getSession({ project: P, sessionId: 's-3' });
      expect(detail).not.toBeNull();
      const want = ref.sessions(P).find((s) => s.sessionId === 's-3');
      expect(diffRows('session', [detail?.session ?? {}], [want ?? {}])).toEqual([]);
      const ts = [3, 10, 17, 24, 31, 38].filter((t) => !(t % 9 === 4));
      expect(detail?.turns.map((t) => t.traceId)).toEqual(ts.map((t) => traceIdOf(1000 + t)));
      const first = detail?.turns[0];
      expect(first?.input).toBe('question 3');
      // trace 3 has no root output (t % 3 === 0): the last LLM call's output stands in
      expect(first?.output).toBe(`llm says 3.${[2, 4, 6].filter((i) => i <= 3 + (3 % 5)).at(-1)}`);
      expect(detail?.turns[1].output).toBe('answer 10');
      expect(first?.rootName).toBe('invoke_agent planner');
      const spans = analyticsTrace(3);
      expect(first?.inputTokens).toBe(spans.reduce((a, s) => a + (s.inputTokens ?? 0), 0));
      expect(first?.spanCount).toBe(spans.length);
      const paged = await allPages(async (cursor) => {
        const d = await store.getSession({ project: P, sessionId: 's-3', limit: 2, cursor });
        return { items: d?.turns ?? [], nextCursor: d?.nextCursor ?? null };
      });
      expect(paged.map((t) => t.traceId)).toEqual(detail?.turns.map((t) => t.traceId));
      expect(await store.getSession({ project: P, sessionId: 'nope' })).toBeNull();
      expect(await store.getSession({ project: 'nobody', sessionId: 's-3' })).toBeNull();
    });

    it('answers usage per tool, agent, model, user, session, service and project as the reference', async () => {
      const from = T0;
      const to = T0 + 50n * 60n * SEC;
      for (const by of ['tool', 'agent', 'model', 'user', 'session', 'service', 'project'] as const) {
        const got = await store.usage({
          project: P,
          by,
          fromUnixNano: from,
          toUnixNano: to,
          stepSeconds: 600,
          limit: 100,
        });
        const want = ref.usage(P, by, from, to, 600);
        const rows = [...got.rows].sort((a, b) => (a.value < b.value ? -1 : 1));
        expect(
          diffRows(
            `usage by ${by}`,
            rows.map(({ points, ...r }) => r),
            want.map(({ points, ...r }) => r),
          ),
        ).toEqual([]);
        for (let i = 0; i < rows.length; i++) {
          const points = [...want[i].points.entries()]
            .sort(([a], [b]) => a - b)
            .map(([t, p]) => ({ t, ...p, users: p.users.size }));
          expect(diffRows(`usage by ${by} points of ${rows[i].value}`, rows[i].points, points)).toEqual([]);
        }
        expect(got.truncated).toBe(false);
      }
      const top = await store.usage({
        project: P,
        by: 'session',
        fromUnixNano: from,
        toUnixNano: to,
        stepSeconds: 600,
        limit: 2,
        sort: 'cost',
      });
      expect(top.truncated).toBe(true);
      const bySessionCost = ref.usage(P, 'session', from, to, 600).sort((a, b) => b.costUsd - a.costUsd);
      expect(top.rows.map((r) => r.value)).toEqual(bySessionCost.slice(0, 2).map((r) => r.value));
      const filtered = await store.usage({
        project: P,
        by: 'tool',
        fromUnixNano: from,
        toUnixNano: to,
        stepSeconds: 3600,
        filter: { agent: 'coder' },
      });
      expect(filtered.rows.reduce((a, r) => a + r.calls, 0)).toBe(
        Array.from({ length: ANALYTICS_TRACES }, (_, t) => analyticsTrace(t))
          .flat()
          .filter((s) => s.agentName === 'coder' && s.toolName !== null).length,
      );
    });

    it('computes a funnel over sessions with the earliest ordered matches', async () => {
      // step 1: any agent root; step 2: an LLM call; step 3: db.query. Reference by hand over the workload.
      const steps = [{ kind: 'agent' as const }, { kind: 'llm' as const }, { tool: 'db.query' }];
      const got = await store.funnel({
        project: P,
        steps,
        by: 'session',
        withinSeconds: 3600,
        fromUnixNano: T0,
        toUnixNano: T0 + 100n * 60n * SEC,
      });
      const bySession = new Map<string, SpanRecord[]>();
      for (let t = 0; t < ANALYTICS_TRACES; t++)
        for (const s of analyticsTrace(t))
          if (s.sessionId !== null) bySession.set(s.sessionId, [...(bySession.get(s.sessionId) ?? []), s]);
      const reached = [0, 0, 0];
      const fromFirst: number[] = [];
      for (const spans of bySession.values()) {
        const match = [
          (s: SpanRecord) => s.kind === 'agent',
          (s: SpanRecord) => s.kind === 'llm',
          (s: SpanRecord) => s.toolName === 'db.query',
        ];
        const t1 = spans
          .filter(match[0])
          .map((s) => s.startTimeUnixNano)
          .sort((a, b) => (a < b ? -1 : 1))[0];
        if (t1 === undefined) continue;
        reached[0]++;
        let prev = t1;
        for (let k = 1; k < 3; k++) {
          const next = spans
            .filter(
              (s) => match[k](s) && s.startTimeUnixNano >= prev && s.startTimeUnixNano <= t1 + 3600n * SEC,
            )
            .map((s) => s.startTimeUnixNano)
            .sort((a, b) => (a < b ? -1 : 1))[0];
          if (next === undefined) break;
          reached[k]++;
          prev = next;
          if (k === 2) fromFirst.push(Number(next - t1) / 1e6);
        }
      }
      expect(got.steps.map((s) => s.count)).toEqual(reached);
      expect(got.entered).toBe(reached[0]);
      expect(got.converted).toBe(reached[2]);
      expect(got.steps[1].dropOff).toBe(reached[0] - reached[1]);
      // time to convert: linear interpolation between the closest ranks (as quantile_cont)
      const quantile = (xs: number[], q: number) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const pos = (sorted.length - 1) * q;
        const lo = Math.floor(pos);
        return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
      };
      expect(fromFirst.length).toBeGreaterThan(1);
      expect(got.steps[2].p50MsFromFirst).toBeCloseTo(quantile(fromFirst, 0.5), 6);
      expect(got.steps[2].p95MsFromFirst).toBeCloseTo(quantile(fromFirst, 0.95), 6);
      // the other project's session s-1 is not counted here
      const other = await store.funnel({
        project: OTHER,
        steps,
        by: 'user',
        withinSeconds: 60,
        fromUnixNano: T0,
        toUnixNano: T0 + 3600n * SEC,
      });
      expect(other.entered).toBe(1);
    });
  });
}
