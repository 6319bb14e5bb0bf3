import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { HEALTH_PATHS, hostAllowed, hostCheck, hostName } from './host-check.js';

describe('hostName', () => {
  it.each([
    ['localhost:4318', 'localhost'],
    ['Witness.Example.COM', 'witness.example.com'],
    ['witness.example.com.:443', 'witness.example.com'],
    ['127.0.0.1:4318', '127.0.0.1'],
    ['[::1]:4318', '::1'],
    ['[::1]', '::1'],
    ['::1', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, name) => expect(hostName(header)).toBe(name));
});

describe('hostAllowed', () => {
  const defaults = { allowedHosts: [], boundHost: '0.0.0.0' };
  it('accepts IP literals and localhost names without configuration', () => {
    for (const h of ['127.0.0.1', '10.0.0.5', '::1', 'localhost', 'app.localhost'])
      expect(hostAllowed(h, defaults), h).toBe(true);
  });
  it('refuses any other name until it is configured', () => {
    for (const h of ['attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', 'witness'])
      expect(hostAllowed(h, defaults), h).toBe(false);
    expect(hostAllowed(null, defaults)).toBe(false);
  });
  it('accepts the bound host name, listed names and subdomains of a listed .domain', () => {
    expect(hostAllowed('witness.internal', { allowedHosts: [], boundHost: 'witness.internal' })).toBe(true);
    const opts = {
      allowedHosts: ['witness', 'Witness.Example.com:443', '.corp.example'],
      boundHost: '0.0.0.0',
    };
    for (const h of ['witness', 'witness.example.com', 'corp.example', 'a.b.corp.example'])
      expect(hostAllowed(h, opts), h).toBe(true);
    for (const h of ['evilcorp.example', 'example.com', 'witness2'])
      expect(hostAllowed(h, opts), h).toBe(false);
    expect(hostAllowed('anything.example', { allowedHosts: ['*'], boundHost: '127.0.0.1' })).toBe(true);
  });
});

describe('hostCheck middleware', () => {
  const app = createApp();
  app.use(
    '*',
    hostCheck({ allowedHosts: ['witness.example.com'], boundHost: '127.0.0.1', exemptPaths: HEALTH_PATHS }),
  );
  app.get('/api/traces', (c) => c.json({ items: [] }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  const get = (path: string, host: string) => app.request(`http://x${path}`, { headers: { host } });

  it('answers 403 naming server.allowedHosts to a rebound name', async () => {
    const res = await get('/api/traces', 'attacker.example');
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('FORBIDDEN');
    expect(body.error.message).toContain('server.allowedHosts');
    expect(body.error.message).toContain('attacker.example');
  });

  it('answers allowed names and health checks from anywhere', async () => {
    expect((await get('/api/traces', 'witness.example.com:4318')).status).toBe(200);
    expect((await get('/api/traces', '127.0.0.1:4318')).status).toBe(200);
    expect((await get('/healthz', 'attacker.example')).status).toBe(200);
  });

  it('exempts nothing it was not told to', async () => {
    const bare = createApp();
    bare.use('*', hostCheck({ allowedHosts: [], boundHost: '127.0.0.1' }));
    bare.get('/healthz', (c) => c.text('ok'));
    expect(
      (await bare.request('http://x/healthz', { headers: { host: 'attacker.example' } })).status,
    ).not.toBe(200);
  });
});
