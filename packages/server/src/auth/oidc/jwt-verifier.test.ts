/**
 * The JWT checks against a real JWKS served over HTTP (node:http) and tokens signed with real keys by
 * jose: each way a token can be wrong is refused with its own reason.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksUnavailable, JwtVerifier, looksLikeJwt } from './jwt-verifier.js';

const ISSUER = 'https://idp.example';
const AUD = 'witness';
let server: Server;
let jwksUrl: URL;
let fetches = 0;
let signing: CryptoKey;
let publicJwk: JWK;

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown> = {}, key: CryptoKey = signing, kid = 'k1', alg = 'RS256') {
  return new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg, kid })
    .setIssuer((claims.iss as string) ?? ISSUER)
    .setAudience((claims.aud as string) ?? AUD)
    .setIssuedAt()
    .setExpirationTime((claims.exp as number) ?? now() + 300)
    .sign(key);
}

function verifier(url = jwksUrl, tolerance = 30) {
  const keys = createRemoteJWKSet(url, { cooldownDuration: 30_000, timeoutDuration: 2000 });
  return new JwtVerifier({
    issuer: ISSUER,
    audiences: [AUD],
    clockToleranceSeconds: tolerance,
    keys: async () => keys,
  });
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signing = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('JwtVerifier', () => {
  it('accepts a token signed by the issuer for this audience, with its claims', async () => {
    const out = await verifier().verify(await sign({ roles: ['viewer'] }));
    expect(out).toMatchObject({ ok: true, claims: { sub: 'alice', roles: ['viewer'], iss: ISSUER } });
  });

  it('refuses each kind of wrong token with its own reason', async () => {
    const v = verifier();
    const other = (await generateKeyPair('RS256')).privateKey;
    const good = await sign();
    const [h, p] = good.split('.');
    const cases: Record<string, string> = {
      signature: await sign({}, other), // same kid, another key
      issuer: await sign({ iss: 'https://evil.example' }),
      audience: await sign({ aud: 'someone-else' }),
      expired: await sign({ exp: now() - 120 }),
      unknown_key: await sign({}, signing, 'k-unknown'),
      // alg none: a header saying so and an empty signature
      algorithm: `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      malformed: `${h}.${p}`,
    };
    for (const [reason, token] of Object.entries(cases)) {
      const out = await v.verify(token);
      expect(out, reason).toMatchObject({ ok: false, reason });
    }
    // a valid payload with its signature cut off, or tampered claims, fail the signature
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'mallory' })}.${good.split('.')[2]}`;
    expect(await v.verify(tampered)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('refuses HS256 signed with the public key (algorithm confusion) before looking at keys', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const hs = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUD)
      .setExpirationTime(now() + 300)
      .sign(secret);
    expect(await verifier().verify(hs)).toMatchObject({ ok: false, reason: 'algorithm' });
  });

  it('tolerates clock skew up to the configured seconds, and not beyond', async () => {
    const token = await sign({ exp: now() - 10 });
    expect(await verifier(jwksUrl, 30).verify(token)).toMatchObject({ ok: true });
    expect(await verifier(jwksUrl, 0).verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    const early = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUD)
      .setNotBefore(now() + 600)
      .setExpirationTime(now() + 900)
      .sign(signing);
    expect(await verifier().verify(early)).toMatchObject({ ok: false, reason: 'not_yet_valid' });
  });

  it('reads the JWKS once for many tokens, and at most once per cooldown for unknown keys', async () => {
    const v = verifier();
    const before = fetches;
    for (let i = 0; i < 5; i++) await v.verify(await sign());
    for (let i = 0; i < 5; i++) await v.verify(await sign({}, signing, `nope-${i}`));
    expect(fetches - before).toBe(1);
  });

  it('says the keys cannot be read (an outage, not a bad token) when the JWKS is unreachable', async () => {
    const dead = new URL('http://127.0.0.1:1/jwks');
    await expect(verifier(dead).verify(await sign())).rejects.toBeInstanceOf(JwksUnavailable);
  });

  it('tells JWTs from API keys by shape', () => {
    expect(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')).toBe(true);
    expect(looksLikeJwt('wk_live_abcdef0123456789')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
  });
});
