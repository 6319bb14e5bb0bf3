/**
 * Witness with OIDC configured while the OpenID provider cannot be reached: it starts and serves API
 * keys as usual; sign-in and bearer JWTs answer 503 with Retry-After (an outage, not a bad token),
 * and /api/auth/me still answers so the UI can show its sign-in page.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/oidc-provider.js';

let server: RunningServer;
let dataDir: string;
let adminKey = '';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-oidc-down-'));
  const made = generateKey({ name: 'admin', project: 'default', scope: 'admin', expiresAt: null });
  adminKey = made.key;
  updateKeysFile(keysFilePath(dataDir), (c) => {
    c.keys.push(made.record);
  });
  // a port nothing listens on: the provider is down
  const issuer = `http://127.0.0.1:${await freePort()}`;
  const config = loadConfig({
    flags: {
      dataDir,
      server: { host: '127.0.0.1', port: 0 },
      auth: { oidc: { issuer, clientId: 'witness' } },
    },
  });
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
}, 30_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the OpenID provider is down', () => {
  it('starts with auth on, and API keys work', async () => {
    expect((await fetch(`${server.url}/api/services`)).status).toBe(401);
    const res = await fetch(`${server.url}/api/services`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.status).toBe(200);
  });

  it('answers sign-in and bearer JWTs 503 with Retry-After, and /api/auth/me 200', async () => {
    const login = await fetch(`${server.url}/api/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(503);
    expect(Number(login.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await login.json()) as { error: { message: string } }).error.message).toMatch(
      /OpenID provider .* could not be reached/,
    );
    const jwt = [
      Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url'),
      Buffer.from(JSON.stringify({ sub: 'a' })).toString('base64url'),
      'c2ln',
    ].join('.');
    const api = await fetch(`${server.url}/api/services`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(api.status).toBe(503);
    expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(0);
    const me = await fetch(`${server.url}/api/auth/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ authEnabled: true, oidc: true, principal: null });
  });
});
