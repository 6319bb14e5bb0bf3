/**
 * A hostile client against the newest routes (sessions, users, usage, funnels, agent graphs, scores,
 * backup, and the trace reads the compare page makes), on the real `witness serve` over a real DuckDB
 * file of 200,000 generated agent spans: absurd parameters, bodies that never end or never arrive,
 * 100 concurrent calls to every expensive endpoint at once, and concurrent backups. Each must be a
 * clear 4xx naming what was wrong, or a bounded 429/503 with Retry-After; the process never falls
 * over and the cheap routes keep answering meanwhile.
 */
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchTraceId } from '../bench/query-spans.js';
import { DEEP_DEPTH, DEEP_TRACE, seededDataDir } from './helpers/seeded-store.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const NOW_MS = Date.now();

interface Answer {
  status: number;
  retryAfter: string | null;
  message: string;
}

async function call(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '';
  } catch {}
  return { status: res.status, retryAfter: res.headers.get('retry-after'), message };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const iso = (ms: number) => new Date(ms).toISOString();
const RECENT = { from: iso(NOW_MS - 3 * 86_400_000), to: iso(NOW_MS) };
const funnel = (steps: unknown[], range: { from: string; to: string } = RECENT) => ({ steps, ...range });
const STEPS = [{ kind: 'agent' }, { kind: 'llm' }, { kind: 'tool' }];

let w: WitnessProcess;
let dir: string;

beforeAll(async () => {
  dir = await seededDataDir(NOW_MS);
  w = await startWitness({
    dataDir: dir,
    // room for the 600 connections of the storm below (the connection cap has its own test)
    env: { WITNESS_SERVER_MAX_CONNECTIONS: '2000' },
  });
}, 240_000);

afterAll(async () => {
  await w?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('absurd parameters are a 400 that names the parameter', () => {
  const later = iso(NOW_MS - 86_400_000);
  const earlier = iso(NOW_MS - 2 * 86_400_000);
  const reversed = `from=${later}&to=${earlier}`;
  const long = 'x'.repeat(5000);
  const cases: Array<[string, string]> = [
    [`/api/sessions?${reversed}`, 'from'],
    [`/api/users?${reversed}`, 'from'],
    [`/api/agent-graph?${reversed}`, 'from'],
    [`/api/scores?${reversed}`, 'from'],
    [`/api/usage?${reversed}`, 'from'],
    [`/api/scores/summary?${reversed}`, 'from'],
    // 100 years
    ['/api/usage?from=1970-01-01T00:00:00Z&to=2070-01-01T00:00:00Z', 'from'],
    ['/api/usage?by=project&from=1970-01-01T00:00:00Z', 'from'],
    // 100 years of one-minute buckets: 52 million of them
    ['/api/scores/summary?from=1970-01-01T00:00:00Z&to=2070-01-01T00:00:00Z&step=60', 'step'],
    ['/api/usage?limit=100000000', 'limit'],
    ['/api/sessions?limit=99999999999999999999', 'limit'],
    ['/api/users?limit=501', 'limit'],
    ['/api/agent-graph?limit=501', 'limit'],
    ['/api/scores?limit=1e9', 'limit'],
    [`/api/sessions?service=${long}`, 'service'],
    [`/api/users?userId=${long}`, 'userId'],
    [`/api/usage?tool=${long}`, 'tool'],
    [`/api/agent-graph?agent=${long}`, 'agent'],
    [`/api/sessions/${long}`, 'sessionId'],
    [`/api/sessions/s?cursor=${long}`, 'cursor'],
    [`/api/traces/${'f'.repeat(5000)}/graph`, 'traceId'],
    ['/api/usage?by=everything', 'by'],
    ['/api/sessions?sort=__proto__', 'sort'],
  ];
  for (const [url, name] of cases) {
    it(`${url.slice(0, 90)} → 400 naming "${name}"`, async () => {
      const a = await call(`${w.url}${url}`);
      expect({ url: url.slice(0, 120), status: a.status }).toEqual({ url: url.slice(0, 120), status: 400 });
      expect(a.message).toContain(`"${name}"`);
    });
  }

  it('a cursor that is not one this server issued is a 400, not a database error', async () => {
    const forged = Buffer.from(JSON.stringify(['99999999999999999999', 'x'.repeat(900)])).toString(
      'base64url',
    );
    for (const route of ['/api/sessions', '/api/users', '/api/scores', '/api/sessions/sess-1']) {
      const a = await call(`${w.url}${route}?cursor=${forged}`);
      expect({ route, status: a.status }).toEqual({ route, status: 400 });
      expect(a.message).toMatch(/cursor/);
    }
  });
});

describe('funnel bodies', () => {
  const post = (body: unknown) => call(`${w.url}/api/funnels/query`, json(body));

  it('refuses 11 steps, 10,000 steps, a 100-year range, from after to and a week-long window, naming each', async () => {
    const eleven = await post(funnel(Array.from({ length: 11 }, () => ({ kind: 'llm' }))));
    expect(eleven.status).toBe(400);
    expect(eleven.message).toMatch(/"steps".*10/);
    const tenThousand = await post(funnel(Array.from({ length: 10_000 }, () => ({ kind: 'llm' }))));
    expect(tenThousand.status).toBe(413);
    expect(tenThousand.message).toMatch(/65536 bytes/);
    const century = await post(funnel(STEPS, { from: '1970-01-01T00:00:00Z', to: '2070-01-01T00:00:00Z' }));
    expect(century.status).toBe(400);
    expect(century.message).toMatch(/"from".*92 days/);
    const reversed = await post(funnel(STEPS, { from: RECENT.to, to: RECENT.from }));
    expect(reversed.status).toBe(400);
    expect(reversed.message).toContain('"to"');
    const window = await post({ ...funnel(STEPS), withinSeconds: 1e12 });
    expect(window.status).toBe(400);
    expect(window.message).toContain('"withinSeconds"');
    const attrs = await post(
      funnel([
        { attributes: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, 'v'])) },
        STEPS[0],
      ]),
    );
    expect(attrs.status).toBe(400);
    expect(attrs.message).toMatch(/"steps\.0\.attributes".*at most 5/);
  });

  it('refuses deep JSON and JSON that is not a funnel with a 400, not a crash', async () => {
    const deep = `{"steps":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const a = await call(`${w.url}/api/funnels/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deep,
    });
    expect(a.status).toBe(400);
    expect(a.message).toContain('"steps');
    const unclosed = await call(`${w.url}/api/funnels/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '['.repeat(60_000),
    });
    expect(unclosed.status).toBe(400);
    expect(unclosed.message).toMatch(/JSON/);
    const proto = await post({ ...funnel(STEPS), __proto__: { polluted: true }, constructor: { x: 1 } });
    expect(proto.status).toBe(400);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('answers the costliest legal funnel (10 steps × 5 attributes over 92 days) or stops it at its deadline', async () => {
    const step = (i: number) => ({
      kind: i % 2 ? 'llm' : 'tool',
      attributes: Object.fromEntries(Array.from({ length: 5 }, (_, k) => [`k${k}`, `v${i}`])),
    });
    const a = await post(
      funnel(
        Array.from({ length: 10 }, (_, i) => step(i)),
        { from: iso(NOW_MS - 92 * 86_400_000), to: iso(NOW_MS) },
      ),
    );
    expect([200, 503]).toContain(a.status);
    if (a.status === 503) {
      expect(a.retryAfter).toBe('1');
      expect(a.message).toMatch(/funnel ran past its 5000 ms deadline/);
    }
  }, 30_000);
});

/** A request whose body is sent chunked (no Content-Length) and never ends: what did the server answer? */
function endlessBody(
  url: string,
  path: string,
  contentType = 'application/json',
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let sent = 0;
    let done = false;
    const req = request(
      { host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-type': contentType } },
      (res) => {
        done = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sent });
        req.destroy();
      },
    );
    req.on('error', (err) => (done ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    req.write('{"steps":[');
    const pump = () => {
      // at most 256 MiB: the server must have answered long before
      while (!done && sent < 256 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
}

describe('bodies that never end, or never arrive', () => {
  for (const path of ['/api/funnels/query', '/api/scores', '/api/silences', '/api/audit/actions']) {
    it(`${path}: a chunked body past the limit is a 413 while it is still being sent`, async () => {
      const a = await endlessBody(w.url, path);
      expect(a.status).toBe(413);
      // refused as the limit was crossed, not after reading everything the client had
      expect(a.sent).toBeLessThan(32 * 1024 * 1024);
      expect((await call(`${w.url}/healthz`)).status).toBe(200);
    }, 60_000);
  }
});

describe('a client that dribbles its body', () => {
  let slow: WitnessProcess;
  beforeAll(async () => {
    slow = await startWitness({ env: { WITNESS_SERVER_REQUEST_TIMEOUT_MS: '3000' } });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('a funnel body dribbled a byte at a time is cut by the request timeout (408)', async () => {
    const u = new URL(slow.url);
    const status = await new Promise<number>((resolve) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: '/api/funnels/query',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '10000' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      const timer = setInterval(() => req.write(' '), 200);
      req.on('close', () => clearInterval(timer));
    });
    // 408 from the request timeout (3 s here); 0 when the server cut the socket without answering
    expect([408, 0]).toContain(status);
    expect((await call(`${slow.url}/healthz`)).status).toBe(200);
  }, 30_000);
});

describe('100 concurrent calls to each expensive endpoint', () => {
  const from = iso(NOW_MS - 3 * 86_400_000);
  const endpoints: Array<[string, RequestInit | undefined]> = [
    [
      '/api/funnels/query',
      json(funnel([{ kind: 'agent' }, { kind: 'llm' }, { kind: 'tool', status: 'error' }])),
    ],
    [`/api/usage?by=user&from=${from}&step=60`, undefined],
    [`/api/agent-graph?limit=500&from=${from}`, undefined],
    [`/api/sessions?sort=cost&from=${from}`, undefined],
    [`/api/users?sort=tokens&from=${from}`, undefined],
    [`/api/scores/summary?from=${from}`, undefined],
  ];
  for (const [path, init] of endpoints) {
    it(`${path.split('?')[0]}: answered, refused (429) or stopped (503) with Retry-After; cheap reads are served meanwhile`, async () => {
      const started = Array.from({ length: 100 }, () =>
        call(`${w.url}${path}`, init).catch((e: unknown) => ({
          status: 0,
          retryAfter: null,
          message: String(e),
        })),
      );
      // cheap reads during the storm: a trace (what the compare page loads), the trace list, health
      await new Promise((r) => setTimeout(r, 200));
      const cheap = [
        await call(`${w.url}/api/traces/${benchTraceId(1)}`),
        await call(`${w.url}/api/traces?limit=5`),
        await call(`${w.url}/healthz`),
      ];
      const answers = await Promise.all(started);
      for (const c of cheap) expect(c.status, c.message).toBe(200);
      const byStatus: Record<number, number> = {};
      for (const a of answers) {
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        expect([200, 429, 503], `${a.status} ${a.message}`).toContain(a.status);
        if (a.status !== 200) {
          expect(a.retryAfter).toMatch(/^\d+$/);
          expect(a.message).toMatch(/retry/i);
        }
      }
      console.log(`100 concurrent ${path.split('?')[0]}:`, byStatus);
      expect(byStatus[200]).toBeGreaterThan(0);
      // the ones past the queue were refused at once, not left to pile up
      expect(byStatus[429]).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('deep span trees', () => {
  it('graphs a 20,000-deep chain of steps (a tool under each) in one pass, and keeps serving', async () => {
    // before: every tool walked the whole chain above it (200 million parent lookups), holding the
    // event loop past this test's timeout
    const res = await fetch(`${w.url}/api/traces/${DEEP_TRACE}/graph`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { edges: Array<{ from: string; to: string; count: number }> };
    expect(body.edges).toContainEqual(
      expect.objectContaining({ from: 'agent:deep', to: 'tool:lookup', count: DEEP_DEPTH }),
    );
    expect((await call(`${w.url}/healthz`)).status).toBe(200);
  }, 90_000);
});

describe('backups', () => {
  it('run one at a time: concurrent requests get 429 with Retry-After, and the next one succeeds', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${w.url}/api/admin/backup`, { method: 'POST' }).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          bytes: (await r.arrayBuffer()).byteLength,
        })),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok.length).toBe(1);
    expect(refused.length).toBe(5);
    for (const r of refused) expect(r.retryAfter).toMatch(/^\d+$/);
    expect(ok[0].bytes).toBeGreaterThan(1000);
    const again = await fetch(`${w.url}/api/admin/backup`, { method: 'POST' });
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  }, 180_000);
});
