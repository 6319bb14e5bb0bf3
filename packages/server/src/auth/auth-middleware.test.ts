import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKey } from './api-key.js';
import { type AuthDecision, authMiddleware } from './auth-middleware.js';
import { keyAuthenticator } from './key-authenticator.js';
import { updateKeysFile } from './key-file.js';
import { KeyStore } from './key-store.js';
import { projectOf } from './principal.js';
import { TokenBuckets } from './token-buckets.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-auth-mw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'api-keys.json');
const ingest = generateKey({ name: 'i', project: 'p1', scope: 'ingest', expiresAt: null });
const read = generateKey({ name: 'r', project: 'p1', scope: 'read', expiresAt: null });
updateKeysFile(path, (c) => {
  c.keys.push(ingest.record, read.record);
});
const store = new KeyStore({ path, pollMs: 60_000 });
store.start();
store.close();

function app(opts: { failures?: TokenBuckets; perCredential?: TokenBuckets } = {}) {
  const decisions: AuthDecision[] = [];
  const a = new Hono();
  a.use(
    '*',
    authMiddleware({
      authenticators: [keyAuthenticator(store)],
      clientAddress: () => '10.0.0.1',
      onDecision: (_c, d) => decisions.push(d),
      ...opts,
    }),
  );
  a.get('/api/traces', (c) => c.json({ project: projectOf(c) }));
  a.post('/v1/traces', (c) => c.json({ project: projectOf(c) }));
  a.get('/healthz', (c) => c.text('ok'));
  return { a, decisions };
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('auth middleware', () => {
  it('writes the keys file 0600', () => {
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('401 without a credential (with WWW-Authenticate), 403 for the wrong scope or project, 2xx otherwise', async () => {
    const { a, decisions } = app();
    const none = await a.request('/api/traces');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="witness"');
    expect((await a.request('/api/traces', { headers: bearer(ingest.key) })).status).toBe(403);
    const ok = await a.request('/api/traces', { headers: bearer(read.key) });
    expect(await ok.json()).toEqual({ project: 'p1' });
    expect((await a.request('/api/traces?project=p2', { headers: bearer(read.key) })).status).toBe(403);
    expect(
      (await a.request('/api/traces?project=p1', { headers: { 'x-witness-key': read.key } })).status,
    ).toBe(200);
    expect((await a.request('/healthz')).status).toBe(200);
    expect((await a.request('/api/nothing-here')).status).toBe(404);
    expect(decisions.map((d) => `${d.outcome}/${d.reason}`)).toEqual([
      'unauthenticated/missing',
      'forbidden/forbidden',
      'allowed/ok',
      'forbidden/wrong_project',
      'allowed/ok',
    ]);
  });

  it('a bad credential is 401 and charged to the address; past the budget the address gets 429 even with a good key', async () => {
    const { a } = app({ failures: new TokenBuckets({ perSecond: 0.001, burst: 2 }) });
    const wrong = `wk_${read.record.id}_${'A'.repeat(43)}`;
    expect((await a.request('/api/traces', { headers: bearer(wrong) })).status).toBe(401);
    expect((await a.request('/api/traces', { headers: bearer('not-a-key') })).status).toBe(401);
    const locked = await a.request('/api/traces', { headers: bearer(read.key) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('rate-limits per credential with 429 + Retry-After', async () => {
    const { a } = app({ perCredential: new TokenBuckets({ perSecond: 1, burst: 2 }) });
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await a.request('/api/traces', { headers: bearer(read.key) })).status);
    expect(codes).toEqual([200, 200, 429]);
  });
});
