/**
 * The analytics API over a real `witness serve` (CLI, real DuckDB file), fed over OTLP/protobuf: a
 * funnel on crafted sessions against conversions and times computed by hand, sessions, a session's
 * timeline, usage, and hostile parameters (each a 400 naming the field, the server still serving).
 */
import type {
  FunnelResultJson,
  Page,
  SessionDetailJson,
  SessionSummaryJson,
  UsageJson,
} from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
// recent enough that the default retention keeps it; whole minute so buckets are predictable
const BASE_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

/** One event: a root span of its own trace (one turn), in a session of a user. */
async function event(
  session: string,
  user: string,
  name: string,
  atSec: number,
  extra: Partial<SpanInput> = {},
) {
  const start = ns(BASE_MS + atSec * 1000);
  const span: SpanInput = {
    traceId: newTraceId(),
    spanId: newSpanId(),
    name,
    startNs: start,
    endNs: start + ns(500),
    attributes: {
      'witness.session.id': session,
      'witness.user.id': user,
      'gen_ai.agent.name': 'shop-agent',
      'input.value': `user asks for ${name}`,
      'output.value': `done ${name}`,
      'shop.tier': session === 's6' ? 'gold' : 'basic',
      ...extra.attributes,
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
  const res = await fetch(`${w.url}/v1/traces`, {
    method: 'POST',
    body: encodeTraces('shop', [span]),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
}

/**
 * The crafted sessions (seconds after BASE; users in brackets):
 *   s1 [u1]  search 0, add_to_cart 10, checkout 30          → all three
 *   s2 [u1]  search 200, add_to_cart 220                     → search, add
 *   s3 [u2]  add_to_cart 400, search 405, checkout 408       → search only (its add came before)
 *   s4 [u2]  search 600, add_to_cart 640, checkout 700       → search, add (checkout 100 s after search > 60 s)
 *   s5 [u4]  checkout 800                                    → not entered
 *   s6 [u3]  search 1000, search 1005, add_to_cart 1030, checkout 1050 → all three, anchored at 1000
 */
const CRAFTED: Array<[string, string, string, number]> = [
  ['s1', 'u1', 'search', 0],
  ['s1', 'u1', 'add_to_cart', 10],
  ['s1', 'u1', 'checkout', 30],
  ['s2', 'u1', 'search', 200],
  ['s2', 'u1', 'add_to_cart', 220],
  ['s3', 'u2', 'add_to_cart', 400],
  ['s3', 'u2', 'search', 405],
  ['s3', 'u2', 'checkout', 408],
  ['s4', 'u2', 'search', 600],
  ['s4', 'u2', 'add_to_cart', 640],
  ['s4', 'u2', 'checkout', 700],
  ['s5', 'u4', 'checkout', 800],
  ['s6', 'u3', 'search', 1000],
  ['s6', 'u3', 'search', 1005],
  ['s6', 'u3', 'add_to_cart', 1030],
  ['s6', 'u3', 'checkout', 1050],
];

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${w.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${w.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

const funnel = (over: Record<string, unknown> = {}) => ({
  steps: [{ name: 'search' }, { name: 'add_to_cart' }, { name: 'checkout' }],
  withinSeconds: 60,
  from: new Date(BASE_MS - 60_000).toISOString(),
  to: new Date(BASE_MS + 3_600_000).toISOString(),
  ...over,
});

beforeAll(async () => {
  w = await startWitness();
  for (const [session, user, name, at] of CRAFTED)
    await event(
      session,
      user,
      name,
      at,
      name === 'checkout' && session === 's4' ? { status: { code: 2, message: 'card declined' } } : {},
    );
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

describe('funnels on crafted sessions', () => {
  it('per session: counts, conversion, drop-off and time to convert as computed by hand', async () => {
    const { status, body } = await post<FunnelResultJson>('/api/funnels/query', funnel());
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.steps.map((s) => [s.label, s.count, s.dropOff])).toEqual([
      ['search', 5, 0],
      ['add_to_cart', 4, 1],
      ['checkout', 2, 2],
    ]);
    expect(body.steps.map((s) => s.conversionFromPrevious)).toEqual([1, 0.8, 0.5]);
    expect(body.steps.map((s) => s.conversionFromFirst)).toEqual([1, 0.8, 0.4]);
    expect([body.entered, body.converted, body.conversion]).toEqual([5, 2, 0.4]);
    // search → add: 10, 20, 40, 30 s; linear interpolation: p50 25 s, p95 = 30 + 0.85 × 10 = 38.5 s
    expect(body.steps[1].p50MsFromPrevious).toBeCloseTo(25_000, 6);
    expect(body.steps[1].p95MsFromPrevious).toBeCloseTo(38_500, 6);
    // add → checkout: 20, 20 s; search → checkout: 30, 50 s (p95 = 30 + 0.95 × 20 = 49 s)
    expect(body.steps[2].p50MsFromPrevious).toBeCloseTo(20_000, 6);
    expect(body.steps[2].p50MsFromFirst).toBeCloseTo(40_000, 6);
    expect(body.steps[2].p95MsFromFirst).toBeCloseTo(49_000, 6);
    expect(body.steps[0].p50MsFromPrevious).toBeNull();
  });

  it('per user: u1 converts from its first search, u2 runs out of time, u3 converts, u4 never enters', async () => {
    const { body } = await post<FunnelResultJson>('/api/funnels/query', funnel({ by: 'user' }));
    expect(body.steps.map((s) => s.count)).toEqual([3, 2, 2]);
    // with a longer limit u2's add at 640 s (235 s after its search at 405 s) counts, and its checkout at 700 s
    const { body: long } = await post<FunnelResultJson>(
      '/api/funnels/query',
      funnel({ by: 'user', withinSeconds: 600 }),
    );
    expect(long.steps.map((s) => s.count)).toEqual([3, 3, 3]);
  });

  it('step predicates take the trace-list filters: status, agent, attributes', async () => {
    const { body } = await post<FunnelResultJson>(
      '/api/funnels/query',
      funnel({
        steps: [
          { name: 'search', agent: 'shop-agent' },
          { name: 'checkout', status: 'error' },
        ],
        withinSeconds: 600,
      }),
    );
    expect(body.steps.map((s) => s.count)).toEqual([5, 1]); // only s4's checkout failed
    const { body: none } = await post<FunnelResultJson>(
      '/api/funnels/query',
      funnel({ steps: [{ name: 'search', attributes: { 'shop.tier': 'gold' } }, { name: 'checkout' }] }),
    );
    expect(none.steps.map((s) => s.count)).toEqual([1, 1]);
  });
});

describe('sessions, a session timeline and usage over HTTP', () => {
  it('lists sessions with their aggregates, sorted and filtered', async () => {
    const { status, body } = await get<Page<SessionSummaryJson>>('/api/sessions?sort=traces&limit=10');
    expect(status).toBe(200);
    expect(body.items.map((s) => [s.sessionId, s.traces])).toEqual([
      ['s6', 4],
      ['s4', 3],
      ['s3', 3],
      ['s1', 3],
      ['s2', 2],
      ['s5', 1],
    ]);
    const failing = await get<Page<SessionSummaryJson>>('/api/sessions?status=error');
    expect(failing.body.items.map((s) => [s.sessionId, s.errors, s.errorTraces])).toEqual([['s4', 1, 1]]);
    const u2 = await get<Page<SessionSummaryJson>>('/api/sessions?userId=u2&sort=firstSeen&order=asc');
    expect(u2.body.items.map((s) => s.sessionId)).toEqual(['s3', 's4']);
  });

  it("answers a session's traces in order as a conversation", async () => {
    const { status, body } = await get<SessionDetailJson>('/api/sessions/s4');
    expect(status).toBe(200);
    expect(body.session).toMatchObject({ sessionId: 's4', traces: 3, users: ['u2'], agents: ['shop-agent'] });
    expect(body.turns.map((t) => [t.rootName, t.input, t.output, t.errors, t.errorMessage])).toEqual([
      ['search', 'user asks for search', 'done search', 0, null],
      ['add_to_cart', 'user asks for add_to_cart', 'done add_to_cart', 0, null],
      ['checkout', 'user asks for checkout', 'done checkout', 1, 'card declined'],
    ]);
    expect((await get('/api/sessions/no-such-session')).status).toBe(404);
  });

  it('answers usage per agent and per user', async () => {
    const from = BASE_MS - 60_000;
    const { body } = await get<UsageJson>(
      `/api/usage?by=user&from=${from}&to=${BASE_MS + 3_600_000}&sort=calls`,
    );
    expect(body.rows.map((r) => [r.value, r.calls])).toEqual(
      [
        ['u1', 5],
        ['u2', 6],
        ['u3', 4],
        ['u4', 1],
      ].sort((a, b) => (b[1] as number) - (a[1] as number)),
    );
    const agents = await get<UsageJson>(`/api/usage?by=agent&from=${from}&to=${BASE_MS + 3_600_000}`);
    expect(agents.body.rows.map((r) => [r.value, r.users, r.errors])).toEqual([['shop-agent', 4, 1]]);
  });
});

describe('hostile parameters', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown sort key', '/api/sessions?sort=bogus', /"sort"/],
    ['users-only sort on sessions', '/api/sessions?sort=sessions', /"sort"/],
    ['a huge page', '/api/users?limit=100000', /"limit"/],
    ['an unknown parameter', '/api/sessions?colour=red', /"colour"/],
    ['a negative cost', '/api/sessions?minCost=-1', /"minCost"/],
    ['a foreign cursor', '/api/sessions?cursor=AAAA', /cursor/],
    ['a huge usage range', '/api/usage?from=0', /"from".*92 days/],
    ['an unknown dimension', '/api/usage?by=colour', /"by"/],
    ['a zero step', '/api/usage?step=0', /"step"/],
    ['a time past 2262', '/api/users?from=99999999999999999', /"from"/],
  ];
  for (const [what, url, message] of cases)
    it(`${what}: 400 naming the field`, async () => {
      const { status, body } = await get<{ error: { message: string } }>(url);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(body.error.message).toMatch(message);
    });

  const bodies: Array<[string, Record<string, unknown>, RegExp]> = [
    ['eleven steps', funnel({ steps: Array.from({ length: 11 }, () => ({ name: 'search' })) }), /"steps"/],
    ['one step', funnel({ steps: [{ name: 'search' }] }), /"steps"/],
    ['a step without a condition', funnel({ steps: [{ label: 'x' }, { name: 'search' }] }), /"steps.0"/],
    [
      'a range of 200 days',
      funnel({ from: '2025-01-01T00:00:00Z', to: '2025-07-20T00:00:00Z' }),
      /"from".*92 days/,
    ],
    ['to before from', funnel({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }), /"to"/],
    ['a 90-day time limit', funnel({ withinSeconds: 90 * 86400 }), /"withinSeconds"/],
    [
      'six attributes on a step',
      funnel({
        steps: [
          { attributes: Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`k${i}`, 'v'])) },
          { name: 'x' },
        ],
      }),
      /"steps.0.attributes"/,
    ],
    ['an unknown step field', funnel({ steps: [{ nmae: 'search' }, { name: 'x' }] }), /nmae/],
  ];
  for (const [what, body, message] of bodies)
    it(`funnel with ${what}: 400 naming the field`, async () => {
      const res = await post<{ error: { message: string } }>('/api/funnels/query', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    });

  it('a funnel that is not JSON is a 415, and the server keeps serving', async () => {
    const res = await fetch(`${w.url}/api/funnels/query`, { method: 'POST', body: 'steps=1' });
    expect(res.status).toBe(415);
    expect((await get('/api/sessions')).status).toBe(200);
  });
});
