import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { securityHeaders } from './security-headers.js';

function app(hstsMaxAgeSeconds: number) {
  const a = createApp();
  a.use('*', securityHeaders({ hstsMaxAgeSeconds }));
  a.get('/', (c) => c.html('<!doctype html><div id="app"></div>'));
  a.get('/boom', () => {
    throw new Error('boom');
  });
  return a;
}

describe('securityHeaders', () => {
  it('sends a CSP without unsafe-inline, nosniff, no framing and no referrer', async () => {
    const res = await app(0).request('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security'), 'no HSTS over plain HTTP').toBeNull();
  });

  it('sends HSTS when asked (HTTPS), and the headers on error answers too', async () => {
    const ok = await app(31_536_000).request('/');
    expect(ok.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const failed = await app(31_536_000).request('/boom');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(failed.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const missing = await app(0).request('/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-frame-options')).toBe('DENY');
  });
});
