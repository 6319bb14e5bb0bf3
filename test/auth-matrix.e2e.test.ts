/**
 * The authorization matrix, generated from the server's own route table (API_ROUTES): every route ×
 * every kind of caller → the expected 2xx / 401 / 403, against a real started server (real DuckDB
 * file, real audit log, auth on) holding data in two projects. A route registered on the server but
 * missing from the table fails here (it would have no rule), as does a route without a sample request
 * or an access level a column has no expectation for. Then: no answer to one project's credential —
 * on any read route, /metrics and every audit entry included — carries the other project's data.
 *
 * Columns: each says, per access level, what its caller must get; the matrix picks them up unchanged.
 * The OIDC columns carry bearer JWTs signed by a real OpenID provider run locally (oidc-provider).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_LEVELS, type Access, API_ROUTES, type ApiRoute } from '@witness/protocol';
import {
  createLogger,
  generateKey,
  keysFilePath,
  loadConfig,
  type RunningServer,
  type StoredKey,
  startServer,
  updateKeysFile,
} from '@witness/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from './helpers/oidc-provider.js';
import { type RouteSample, routeSamples } from './helpers/route-samples.js';
import { REPO_ROOT } from './helpers/witness-process.js';

/** 2xx, or a refusal status. */
type Expected = '2xx' | 401 | 403 | 404;

interface Column {
  name: string;
  /** Request headers carrying this caller's credential (called after beforeAll). */
  headers(): Record<string, string>;
  /** What this caller must get on a route of each access level. */
  expect: Record<Access, Expected>;
}

const ALPHA = {
  traceId: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
  service: 'svc-alpha-only',
  marker: 'marker-alpha-only',
};
const BETA = {
  traceId: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2',
  service: 'svc-beta-only',
  marker: 'marker-beta-only',
};
const SAMPLES = { alpha: routeSamples(ALPHA), beta: routeSamples(BETA) };

const keys: Record<string, string> = {};
function addKey(
  name: string,
  project: string,
  scope: StoredKey['scope'],
  change: Partial<StoredKey> = {},
): (c: { keys: StoredKey[] }) => void {
  const made = generateKey({ name, project, scope, expiresAt: null });
  keys[name] = made.key;
  return (c) => {
    c.keys.push({ ...made.record, ...change });
  };
}

const bearer = (name: string) => () => ({ authorization: `Bearer ${keys[name]}` });
/** JWTs signed by the test OpenID provider's own key (minted in beforeAll). */
const jwts: Record<string, string> = {};
const jwt = (name: string) => () => ({ authorization: `Bearer ${jwts[name]}` });
let idp: TestProvider;
// the sign-in steps answer everyone (a bad credential there is ignored, not refused)
const refusedAll = (status: Expected): Record<Access, Expected> => ({
  public: '2xx',
  signin: '2xx',
  ingest: status,
  read: status,
  edit: status,
  admin: status,
  metrics: status,
});

const COLUMNS: Column[] = [
  { name: 'no credentials', headers: () => ({}), expect: refusedAll(401) },
  {
    name: 'wrong key',
    // well formed, unknown id: the answer must not tell "unknown id" from "wrong secret"
    headers: () => ({ authorization: `Bearer wk_0123456789abcdef_${'x'.repeat(43)}` }),
    expect: refusedAll(401),
  },
  { name: 'revoked key', headers: bearer('revoked'), expect: refusedAll(401) },
  { name: 'expired key', headers: bearer('expired'), expect: refusedAll(401) },
  {
    name: 'ingest key',
    headers: bearer('alpha-ingest'),
    expect: { public: '2xx', signin: '2xx', ingest: '2xx', read: 403, edit: 403, admin: 403, metrics: 403 },
  },
  {
    name: 'read key',
    headers: bearer('alpha-read'),
    expect: { public: '2xx', signin: '2xx', ingest: 403, read: '2xx', edit: 403, admin: 403, metrics: '2xx' },
  },
  {
    name: 'admin key',
    headers: bearer('alpha-admin'),
    expect: {
      public: '2xx',
      signin: '2xx',
      ingest: '2xx',
      read: '2xx',
      edit: '2xx',
      admin: '2xx',
      metrics: '2xx',
    },
  },
  {
    // an admin key of project beta asking for project alpha's data
    name: 'key of another project',
    headers: () => ({ authorization: `Bearer ${keys['beta-admin']}`, 'x-witness-project': 'alpha' }),
    expect: refusedAll(403),
  },
  // People signed in with the OIDC provider, calling the API with a bearer JWT from its issuer (the
  // browser's session cookie maps to the same principal: test/oidc-signin.e2e covers it)
  {
    name: 'OIDC viewer',
    headers: jwt('viewer-alpha'),
    expect: { public: '2xx', signin: '2xx', ingest: 403, read: '2xx', edit: 403, admin: 403, metrics: 403 },
  },
  {
    name: 'OIDC admin',
    headers: jwt('admin-alpha'),
    expect: {
      public: '2xx',
      signin: '2xx',
      ingest: '2xx',
      read: '2xx',
      edit: '2xx',
      admin: '2xx',
      metrics: '2xx',
    },
  },
  {
    name: 'OIDC admin of another project',
    headers: () => ({ ...jwt('admin-beta')(), 'x-witness-project': 'alpha' }),
    expect: refusedAll(403),
  },
];

let server: RunningServer;
let dataDir: string;
const routeKey = (r: Pick<ApiRoute, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

function send(sample: RouteSample, method: string, headers: Record<string, string>) {
  const h = { ...headers };
  if (sample.body !== undefined) h['content-type'] = 'application/json';
  return fetch(`${server.url}${sample.url}`, {
    method,
    headers: h,
    redirect: 'manual',
    body: sample.body === undefined ? undefined : JSON.stringify(sample.body),
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-auth-matrix-'));
  const past = new Date(Date.now() - 60_000).toISOString();
  const changes = [
    addKey('alpha-ingest', 'alpha', 'ingest'),
    addKey('alpha-read', 'alpha', 'read'),
    addKey('alpha-admin', 'alpha', 'admin'),
    addKey('beta-ingest', 'beta', 'ingest'),
    addKey('beta-read', 'beta', 'read'),
    addKey('beta-admin', 'beta', 'admin'),
    addKey('revoked', 'alpha', 'admin', { revokedAt: past }),
    addKey('expired', 'alpha', 'admin', { expiresAt: past }),
  ];
  updateKeysFile(keysFilePath(dataDir), (c) => {
    for (const change of changes) change(c);
  });
  idp = await startTestProvider({ accounts: [], witnessOrigins: [] });
  for (const [name, role, project] of [
    ['viewer-alpha', 'viewer', 'alpha'],
    ['admin-alpha', 'admin', 'alpha'],
    ['admin-beta', 'admin', 'beta'],
  ] as const)
    jwts[name] = await idp.mint({ sub: name, roles: [role], witness_projects: [project] });
  const config = loadConfig({
    flags: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, uiDir: join(REPO_ROOT, 'packages/ui/dist') },
      slos: ['alpha', 'beta'].map((project) => ({
        name: 'contract-slo',
        project,
        sli: { kind: 'error_ratio' as const },
        objective: 0.99,
      })),
      // the wrong/revoked/expired columns fail ~80 times from one address: the failed-attempt
      // bound (tested on its own in auth-limits) would turn them into 429s here
      auth: {
        enabled: true,
        rateLimit: { failedAttemptsPerMinute: 0 },
        // the callback sample is a failed sign-in per column
        oidc: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          projectsClaim: 'witness_projects',
          maxFailedSignInsPer15Min: 1000,
        },
      },
    },
  });
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
  // data in both projects, each written with its own project's ingest key
  for (const [project, samples] of Object.entries(SAMPLES)) {
    for (const path of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
      const res = await send(samples[`POST ${path}`]!, 'POST', {
        authorization: `Bearer ${keys[`${project}-ingest`]}`,
      });
      expect(res.status, `${project} ${path}: ${await res.text()}`).toBe(200);
    }
    const action = await send(samples['POST /api/audit/actions']!, 'POST', {
      authorization: `Bearer ${keys[`${project}-admin`]}`,
    });
    expect(action.status).toBe(201);
  }
  await server.audit?.checkpoint();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await idp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the matrix covers every route', () => {
  it('every route the server registers has a rule in API_ROUTES, and every route has a sample', () => {
    const table = new Set(API_ROUTES.map(routeKey));
    const registered = server.app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(
      registered.filter((r) => !table.has(r)),
      'registered without an access rule',
    ).toEqual([]);
    expect(
      API_ROUTES.map(routeKey).filter((k) => !(k in SAMPLES.alpha)),
      'no sample request',
    ).toEqual([]);
  });

  it('every column says what each access level gets', () => {
    for (const column of COLUMNS)
      for (const level of ACCESS_LEVELS)
        expect(column.expect[level], `${column.name} × ${level}`).toBeDefined();
  });
});

describe('authorization matrix', () => {
  for (const route of API_ROUTES) {
    it(`${routeKey(route)} (${route.access})`, async () => {
      const sample = SAMPLES.alpha[routeKey(route)];
      expect(sample, 'no sample request').toBeDefined();
      const got: Record<string, number | string> = {};
      const want: Record<string, number | string> = {};
      for (const column of COLUMNS) {
        const res = await send(sample!, route.method.toUpperCase(), column.headers());
        const text = await res.text();
        // a sample whose good answer is not 2xx (the sign-in redirect, a callback without a sign-in)
        const good = sample!.status === undefined ? res.status < 300 : res.status === sample!.status;
        got[column.name] = good ? '2xx' : res.status;
        want[column.name] = column.expect[route.access];
        if (res.status === 401) expect(res.headers.get('www-authenticate'), column.name).toMatch(/^Bearer /);
        if (res.status >= 400 && route.path.startsWith('/api'))
          expect(text, `${column.name}: a refusal leaks nothing`).not.toContain(ALPHA.marker);
      }
      expect(got).toEqual(want);
    });
  }

  it('an unknown path is 404 for everyone, before and after authentication', async () => {
    for (const column of COLUMNS) {
      const res = await fetch(`${server.url}/api/no-such-route`, { headers: column.headers() });
      expect(res.status, column.name).toBe(404);
    }
  });
});

describe('security events of the matrix', () => {
  it('denied admin actions are audited (403s and bad credentials), bare 401s are only counted', async () => {
    // the matrix above ran first (files run their describes in order)
    const denied = server.audit!.query({ type: 'auth.denied', limit: 1000 }).entries as Array<{
      actor: string | null;
      subject: string;
      details: { reason: string };
    }>;
    const adminRoutes = API_ROUTES.filter((r) => r.access === 'admin').map(
      (r) => `${r.method.toUpperCase()} ${r.path}`,
    );
    expect(adminRoutes.length).toBeGreaterThan(0);
    for (const path of adminRoutes) {
      const reasons = denied.filter((e) => e.subject === path).map((e) => e.details.reason);
      // wrong, revoked and expired keys (401); ingest and read keys, the OIDC viewer, and the other
      // project's key and OIDC admin (403)
      expect(reasons.sort(), path).toEqual([
        'expired',
        'forbidden',
        'forbidden',
        'forbidden',
        'revoked',
        'unknown',
        'wrong_project',
        'wrong_project',
      ]);
    }
    expect(denied.some((e) => e.details.reason === 'missing')).toBe(false);
    const read = keys['alpha-read']!.split('_')[1];
    expect(denied.some((e) => e.actor === `key:${read}`)).toBe(true);
    expect(denied.some((e) => e.actor === 'user:viewer-alpha')).toBe(true);
  });

  it('every decision is on /metrics as witness_auth_requests_total{method, outcome, reason}', async () => {
    const text = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${keys['alpha-admin']}` } })
    ).text();
    for (const series of [
      '{method="none",outcome="unauthenticated",reason="missing"}',
      '{method="key",outcome="unauthenticated",reason="unknown"}',
      '{method="key",outcome="unauthenticated",reason="revoked"}',
      '{method="key",outcome="unauthenticated",reason="expired"}',
      '{method="key",outcome="forbidden",reason="forbidden"}',
      '{method="key",outcome="forbidden",reason="wrong_project"}',
      '{method="key",outcome="allowed",reason="ok"}',
      '{method="jwt",outcome="forbidden",reason="forbidden"}',
      '{method="jwt",outcome="forbidden",reason="wrong_project"}',
      '{method="jwt",outcome="allowed",reason="ok"}',
    ])
      expect(text).toMatch(
        new RegExp(`^witness_auth_requests_total${series.replace(/[{}]/g, '\\$&')} [1-9]`, 'm'),
      );
  });
});

describe("no answer carries another project's data", () => {
  // Every read route, /metrics and the audit API included; then every audit entry by index.
  const reads = API_ROUTES.filter(
    (r) => r.method === 'get' && (r.access === 'read' || r.access === 'metrics'),
  );
  for (const [reader, own, other] of [
    ['beta', BETA, ALPHA],
    ['alpha', ALPHA, BETA],
  ] as const) {
    it(`${reader}'s read key, on every read route (asked with the other project's ids) and every audit entry`, async () => {
      const headers = bearer(`${reader}-read`)();
      const otherSamples = reader === 'beta' ? SAMPLES.alpha : SAMPLES.beta;
      const needles = [other.traceId, other.service, other.marker];
      for (const route of reads) {
        const sample = otherSamples[routeKey(route)]!;
        const res = await send(sample, 'GET', headers);
        const text = await res.text();
        for (const needle of needles) {
          // asked for the other project's trace by id: the only right answer is a refusal (a 404 may
          // echo the id it was asked for)
          if (sample.url.includes(needle))
            expect(res.status, `${routeKey(route)} answers for ${needle}`).toBe(404);
          else expect(text, `${routeKey(route)} shows ${needle}`).not.toContain(needle);
        }
      }
      const size = server.audit!.size;
      expect(size).toBeGreaterThan(10);
      for (let i = 0; i < size; i++) {
        const text = await (await fetch(`${server.url}/api/audit/entries/${i}`, { headers })).text();
        for (const needle of needles) expect(text, `audit entry ${i} shows ${needle}`).not.toContain(needle);
      }
      // and the reader does see its own data: the checks above are not vacuous
      const own_ = await (await fetch(`${server.url}/api/traces/${own.traceId}`, { headers })).text();
      expect(own_).toContain(own.service);
      const services = await (await fetch(`${server.url}/api/services`, { headers })).text();
      expect(services).toContain(own.service);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers })).text();
      expect(metrics).toContain(own.service);
      const audit = await (await fetch(`${server.url}/api/audit?limit=1000`, { headers })).text();
      expect(audit).toContain(own.marker);
    });
  }
});
