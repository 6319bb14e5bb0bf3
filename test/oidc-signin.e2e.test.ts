/**
 * Sign-in with OIDC end to end, against a real OpenID provider run locally (the `oidc-provider`
 * package) and a real Witness (in-process, real DuckDB file, real audit log, auth on) holding traces in
 * two projects:
 * - Chromium (playwright-core) signs in through the UI: sign-in page → the provider's login form →
 *   back to the trace list, which shows the person's project only; the user menu shows name and role;
 *   a viewer sees no admin control, an admin does; sign-out ends the session here and at the provider.
 * - bearer JWTs from the issuer are accepted, and a wrong signature, issuer, audience, `alg: none` or
 *   an expired token is refused 401 and counted by reason.
 * - sign-in, sign-out and role changes are in the audit log; failed sign-ins per address are bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  generateKey,
  keysFilePath,
  loadConfig,
  type RunningServer,
  startServer,
  updateKeysFile,
} from '@witness/server';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestProvider, type TestAccount, type TestProvider } from './helpers/oidc-provider.js';
import { routeSamples } from './helpers/route-samples.js';
import { REPO_ROOT } from './helpers/witness-process.js';
import { type Browser, launchBrowser, screenshot } from './ui/browser.js';

const ALICE: TestAccount = {
  sub: 'alice',
  name: 'Alice Viewer',
  email: 'alice@example.com',
  roles: ['viewer'],
  projects: ['alpha'],
};
const BOB: TestAccount = {
  sub: 'bob',
  name: 'Bob Admin',
  email: 'bob@example.com',
  roles: ['admin'],
  projects: ['beta'],
};
const ALPHA = { traceId: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', service: 'svc-alpha-only' };
const BETA = { traceId: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2', service: 'svc-beta-only' };
const MAX_FAILED_SIGNINS = 5;

let idp: TestProvider;
let server: RunningServer;
let origin: string;
let dataDir: string;
const keys: Record<string, string> = {};

async function metric(series: string): Promise<number> {
  const text = await (
    await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${keys.admin}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** The provider's login form (its development interactions accept any password) and consent. */
async function signInAtProvider(page: Browser['page'], login: string) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Service names of the rows of the trace list. */
async function listedServices(page: Browser['page']): Promise<string> {
  await page.locator('[data-testid=trace-row]').first().waitFor();
  return (await page.locator('[data-testid=traces-table]').textContent()) ?? '';
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-oidc-'));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  idp = await startTestProvider({
    accounts: [ALICE, BOB],
    witnessOrigins: [origin],
    serviceClaims: { roles: ['viewer'], witness_projects: ['alpha'] },
  });
  updateKeysFile(keysFilePath(dataDir), (c) => {
    for (const [name, project, scope] of [
      ['alpha', 'alpha', 'ingest'],
      ['beta', 'beta', 'ingest'],
      ['admin', 'alpha', 'admin'],
    ] as const) {
      const made = generateKey({ name, project, scope, expiresAt: null });
      keys[name] = made.key;
      c.keys.push(made.record);
    }
  });
  const config = loadConfig({
    flags: {
      dataDir,
      // counters read right after the request that moved them
      metrics: { scrapeCacheMs: 0 },
      server: { host: '127.0.0.1', port, uiDir: join(REPO_ROOT, 'packages/ui/dist') },
      auth: {
        oidc: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          scopes: ['openid', 'profile', 'email', 'witness'],
          projectsClaim: 'witness_projects',
          audiences: [idp.clientId, idp.apiAudience],
          maxFailedSignInsPer15Min: MAX_FAILED_SIGNINS,
        },
      },
    },
  });
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
  for (const [project, data] of [
    ['alpha', ALPHA],
    ['beta', BETA],
  ] as const) {
    const sample = routeSamples(data)['POST /v1/traces']!;
    const res = await fetch(`${origin}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[project]}` },
      body: JSON.stringify(sample.body),
    });
    expect(res.status, await res.text()).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await idp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sign-in through the UI (Chromium)', () => {
  it('a viewer signs in, sees only her project, no admin control, and signs out', async () => {
    const browser = await launchBrowser();
    const { page, context } = browser;
    // the sign-in page and user menu must live with the CSP (no inline scripts or styles)
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()} ${m.text()}`);
    });
    try {
      await page.goto(`${origin}/traces`);
      await page.getByTestId('signin-page').waitFor();
      await screenshot(page, 'oidc-signin-page');
      await page.getByTestId('signin-button').click();
      await page.waitForURL((u) => u.href.startsWith(idp.issuer));
      await signInAtProvider(page, 'alice');
      await page.waitForURL(`${origin}/traces`);

      const listed = await listedServices(page);
      expect(listed).toContain(ALPHA.service);
      expect(listed).not.toContain(BETA.service);
      expect(await page.getByTestId('user-name').textContent()).toBe('Alice Viewer');
      expect(await page.getByTestId('user-role').textContent()).toBe('viewer');
      await screenshot(page, 'oidc-signed-in-viewer');

      const session = (await context.cookies(origin)).find((c) => c.name === '__Host-witness_session');
      expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      // the sign-in state cookie is gone once used
      expect((await context.cookies(origin)).map((c) => c.name)).not.toContain('__Host-witness_signin');

      // the session acts in alice's project only: naming another is refused
      const cookie = `__Host-witness_session=${session!.value}`;
      const other = await fetch(`${origin}/api/traces?project=beta`, { headers: { cookie } });
      expect(other.status).toBe(403);
      // a forged cross-site request carrying the cookie is not authenticated at all (401, not 403),
      // and a forged sign-out leaves the session alone
      const forged = await fetch(`${origin}/api/audit/checkpoints`, {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example' },
      });
      expect(forged.status).toBe(401);
      const forgedLogout = await fetch(`${origin}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie, 'sec-fetch-site': 'cross-site' },
      });
      expect(forgedLogout.status).toBe(200);
      const me = (await (await fetch(`${origin}/api/auth/me`, { headers: { cookie } })).json()) as {
        principal: { subject: string; role: string; projects: string[] } | null;
      };
      expect(me.principal).toMatchObject({ subject: 'alice', role: 'viewer', projects: ['alpha'] });

      await page.goto(`${origin}/audit`);
      await page.getByTestId('audit-table').waitFor();
      expect(await page.getByTestId('admin-control').count()).toBe(0);

      await page.getByTestId('user-menu-button').click();
      expect(cspViolations.filter((v) => v.startsWith(origin))).toEqual([]);
      await page.getByTestId('signout-button').click();
      // RP-initiated logout: the provider asks, then sends the browser back to Witness
      await page.waitForURL((u) => u.href.startsWith(`${idp.issuer}/session/end`));
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(`${origin}/`);
      await page.getByTestId('signin-page').waitFor();

      // the old cookie is worthless now: the session ended on the server, not just in the browser
      const after = await fetch(`${origin}/api/traces`, { headers: { cookie } });
      expect(after.status).toBe(401);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('an admin of another project sees that project only, and the admin control works', async () => {
    const browser = await launchBrowser();
    const { page } = browser;
    try {
      await page.goto(`${origin}/audit`);
      await page.getByTestId('signin-button').click();
      await signInAtProvider(page, 'bob');
      await page.waitForURL(`${origin}/audit`);
      expect(await page.getByTestId('user-role').textContent()).toBe('admin');
      await page.getByTestId('sign-checkpoint').click();
      await page.getByText(/signed checkpoint at size \d+/).waitFor();
      await screenshot(page, 'oidc-signed-in-admin');

      await page.goto(`${origin}/traces`);
      const listed = await listedServices(page);
      expect(listed).toContain(BETA.service);
      expect(listed).not.toContain(ALPHA.service);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('records sign-in and sign-out in the audit log', async () => {
    const entries = (type: string) => server.audit!.query({ type, limit: 100 }).entries;
    const signins = entries('auth.signin');
    expect(signins.map((e) => e.actor).sort()).toEqual(['user:alice', 'user:bob']);
    expect(signins.find((e) => e.actor === 'user:alice')).toMatchObject({
      subject: ALICE.email,
      details: { method: 'oidc', issuer: idp.issuer, role: 'viewer', projects: ['alpha'] },
    });
    expect(entries('auth.signout').map((e) => e.actor)).toEqual(['user:alice']);
    expect(await metric('witness_auth_signins_total{outcome="success"}')).toBe(2);
    expect(await metric('witness_auth_signouts_total')).toBe(1);
  });
});

/** The browser's part of a sign-in, done with fetch and a cookie jar (for the non-UI cases). */
async function signInWithFetch(login: string, jar = new Map<string, string>()): Promise<Response> {
  const go = async (url: string, init: RequestInit = {}) => {
    const host = new URL(url).host;
    const headers = new Headers(init.headers);
    const cookies = [...jar].filter(([k]) => k.startsWith(`${host}|`));
    if (cookies.length > 0)
      headers.set('cookie', cookies.map(([k, v]) => `${k.split('|')[1]}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(';')[0]!;
      const eq = pair.indexOf('=');
      jar.set(`${host}|${pair.slice(0, eq)}`, pair.slice(eq + 1));
    }
    return res;
  };
  let res = await go(`${origin}/api/auth/login`);
  for (let hop = 0; hop < 12; hop++) {
    const location = res.headers.get('location');
    if (!location) break;
    const next = new URL(location, idp.issuer).href;
    if (next.startsWith(origin)) return go(next);
    res = await go(next);
    if (res.status === 200) {
      const html = await res.text();
      const action = new URL(/action="([^"]+)"/.exec(html)![1]!, idp.issuer).href;
      const body = html.includes('name="login"')
        ? new URLSearchParams({ prompt: 'login', login, password: 'any password' })
        : new URLSearchParams({ prompt: 'consent' });
      res = await go(action, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    }
  }
  throw new Error(`sign-in as ${login} did not come back to Witness`);
}

describe('roles from the provider', () => {
  it('records a role change when someone signs in with another role than last time', async () => {
    idp.updateAccount('alice', { roles: ['editor'] });
    const res = await signInWithFetch('alice');
    expect(res.status).toBe(302);
    const changes = server.audit!.query({ type: 'auth.role_change', limit: 10 }).entries;
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ subject: 'user:alice', details: { from: 'viewer', to: 'editor' } });
  });

  it('gives a new session id at every sign-in and ends the one the browser held before', async () => {
    const jar = new Map<string, string>();
    const sessionOf = () => jar.get(`${new URL(origin).host}|__Host-witness_session`);
    expect((await signInWithFetch('alice', jar)).status).toBe(302);
    const first = sessionOf()!;
    // signed in at the provider already: straight back with a new code
    expect((await signInWithFetch('alice', jar)).status).toBe(302);
    const second = sessionOf()!;
    expect(second).not.toBe(first);
    const services = (id: string) =>
      fetch(`${origin}/api/services`, { headers: { cookie: `__Host-witness_session=${id}` } });
    expect((await services(second)).status).toBe(200);
    expect((await services(first)).status).toBe(401);
  });

  it('refuses a person whose claims map to no role (403), and counts it', async () => {
    idp.updateAccount('alice', { roles: ['intern'] });
    const res = await signInWithFetch('alice');
    expect(res.status).toBe(403);
    expect((await res.json()) as unknown).toMatchObject({ error: { message: /no role is given to you/ } });
    expect(await metric('witness_auth_signins_total{outcome="no_role"}')).toBe(1);
  });
});

describe('bearer JWTs from the issuer', () => {
  const traces = (token: string) =>
    fetch(`${origin}/api/traces`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts an access token the provider issued (client credentials), in its project only', async () => {
    const res = await traces(await idp.clientCredentialsToken());
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toContain(ALPHA.service);
    expect(text).not.toContain(BETA.service);
  });

  it('refuses a wrong signature, issuer, audience, alg none and an expired token (401, counted by reason)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'mallory', roles: ['admin'], witness_projects: ['*'] };
    const good = await idp.mint(claims);
    expect((await traces(good)).status).toBe(200);
    const [, payload] = good.split('.');
    const otherKey = (await generateKeyPair('RS256')).privateKey;
    const cases: Record<string, string> = {
      // same kid as the provider's key, signed by another key
      signature: await new SignJWT({ ...claims, iss: idp.issuer, aud: idp.clientId, exp: now + 300 })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
        .sign(otherKey),
      issuer: await idp.mint({ ...claims, iss: 'http://127.0.0.1:1/evil' }),
      audience: await idp.mint({ ...claims, aud: 'some-other-api' }),
      algorithm: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`,
      expired: await idp.mint({ ...claims, iat: now - 3600, exp: now - 600 }),
    };
    for (const [reason, token] of Object.entries(cases)) {
      const before = await metric(`witness_auth_jwt_failures_total{reason="${reason}"}`);
      const res = await traces(token);
      expect(res.status, reason).toBe(401);
      expect(res.headers.get('www-authenticate'), reason).toContain('error="invalid_token"');
      const body = await res.text();
      expect(body, reason).not.toContain(ALPHA.service);
      expect(await metric(`witness_auth_jwt_failures_total{reason="${reason}"}`), reason).toBe(before + 1);
    }
    expect(
      await metric('witness_auth_requests_total{method="jwt",outcome="unauthenticated",reason="expired"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metric('witness_auth_requests_total{method="jwt",outcome="unauthenticated",reason="invalid"}'),
    ).toBeGreaterThanOrEqual(4);
  });
});

// Last: it uses up this address's failed sign-in budget.
describe('failed sign-ins', () => {
  it('are bounded per address: past the budget, login and callback answer 429 with Retry-After', async () => {
    const before = await metric('witness_auth_signins_total{outcome="state"}');
    let refused = 0;
    for (let i = 0; i < MAX_FAILED_SIGNINS + 3; i++) {
      const res = await fetch(`${origin}/api/auth/callback?code=forged&state=forged-${i}`, {
        redirect: 'manual',
      });
      if (res.status === 429) {
        refused++;
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } else expect(res.status).toBe(400);
    }
    // the earlier "no role" refusal already took one unit of the budget
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(await metric('witness_auth_signins_total{outcome="state"}')).toBeLessThanOrEqual(
      before + MAX_FAILED_SIGNINS,
    );
    const login = await fetch(`${origin}/api/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(429);
    expect(await metric('witness_auth_signins_total{outcome="rate_limited"}')).toBeGreaterThanOrEqual(4);
    // API keys from the same address are not affected (a separate budget)
    const api = await fetch(`${origin}/api/services`, { headers: { authorization: `Bearer ${keys.admin}` } });
    expect(api.status).toBe(200);
  });
});
