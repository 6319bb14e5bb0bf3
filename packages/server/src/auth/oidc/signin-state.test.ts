import { describe, expect, it } from 'vitest';
import { SigninStateCodec, safeReturnTo } from './signin-state.js';

describe('SigninStateCodec', () => {
  const s = { state: 'st', nonce: 'no', verifier: 've', returnTo: '/traces' };

  it('opens what it sealed, and nothing another process (key) sealed or anyone altered', async () => {
    const codec = new SigninStateCodec();
    const sealed = await codec.seal(s);
    expect(sealed).not.toContain('ve'.repeat(3));
    expect(await codec.open(sealed)).toEqual(s);
    expect(await new SigninStateCodec().open(sealed)).toBeNull();
    const parts = sealed.split('.');
    parts[3] = `${parts[3]?.slice(0, -2)}AA`;
    expect(await codec.open(parts.join('.'))).toBeNull();
    expect(await codec.open('not-a-jwe')).toBeNull();
  });
});

describe('safeReturnTo', () => {
  it('keeps paths on this server and turns everything else into /', () => {
    expect(safeReturnTo('/traces?service=a#x')).toBe('/traces?service=a#x');
    expect(safeReturnTo(undefined)).toBe('/');
    for (const bad of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'traces',
      '/api/auth/login',
      '/a\nb',
    ])
      expect(safeReturnTo(bad), bad).toBe('/');
  });
});
