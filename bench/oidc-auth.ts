/**
 * bench:oidc — what the OIDC credentials cost per request against an API key, measured in the same
 * run: the auth middleware alone (in-process, Hono's app.request), with each credential on every
 * request — an API key (the baseline), a bearer JWT signed RS256 and one signed ES256 (jose against a
 * JWKS served over loopback HTTP, cached after the first read), and the session cookie. Rounds
 * alternate the order; medians of --rounds. Prints µs per request above a bare route and the ratio to
 * the key path.
 *
 *   npm run bench:oidc [-- --requests 4000 --rounds 5]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createRemoteJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  type Authenticator,
  authMiddleware,
  clientAddressOf,
  generateKey,
  KeyStore,
  keysFilePath,
  TokenBuckets,
  updateKeysFile,
} from '../packages/server/src/auth/index.js';
import { keyAuthenticator } from '../packages/server/src/auth/key-authenticator.js';
import { JwtVerifier } from '../packages/server/src/auth/oidc/jwt-verifier.js';
import {
  jwtAuthenticator,
  sessionAuthenticator,
} from '../packages/server/src/auth/oidc/oidc-authenticators.js';
import { oidcMetrics } from '../packages/server/src/auth/oidc/oidc-metrics.js';
import { SessionStore } from '../packages/server/src/auth/oidc/session-store.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const requests = Number(arg('requests', '4000'));
const rounds = Number(arg('rounds', '5'));
const ISSUER = 'https://idp.bench';

// the issuer's keys, served as a JWKS over loopback HTTP
const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const jwks = {
  keys: [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
  ],
};
const jwksServer = createServer((_q, res) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
);
await new Promise<void>((ok) => jwksServer.listen(0, '127.0.0.1', ok));
const jwksUrl = new URL(`http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`);
const keySet = createRemoteJWKSet(jwksUrl, { cacheMaxAge: 600_000, cooldownDuration: 30_000 });
const verifier = new JwtVerifier({
  issuer: ISSUER,
  audiences: ['witness'],
  clockToleranceSeconds: 30,
  keys: async () => keySet,
});
const access = {
  roleClaim: 'roles',
  roleMapping: {},
  defaultRole: null,
  projectsClaim: 'projects',
  projectMapping: {},
  defaultProjects: ['default'],
};
const token = (alg: 'RS256' | 'ES256') =>
  new SignJWT({ sub: 'bench-user', roles: ['admin'], projects: ['default'] })
    .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rsa' : 'ec' })
    .setIssuer(ISSUER)
    .setAudience('witness')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(alg === 'RS256' ? rsa.privateKey : ec.privateKey);

const dir = mkdtempSync(join(tmpdir(), 'witness-bench-oidc-'));
const made = generateKey({ name: 'bench', project: 'default', scope: 'admin', expiresAt: null });
updateKeysFile(keysFilePath(dir), (c) => {
  c.keys.push(made.record);
});
const keys = new KeyStore({ path: keysFilePath(dir) });
keys.start();
keys.close();
const sessions = new SessionStore({ maxAgeMs: 3_600_000, idleMs: 3_600_000, maxSessions: 10_000 });
const session = sessions.create({
  subject: 'bench-user',
  name: 'Bench',
  email: null,
  role: 'admin',
  projects: ['default'],
  idToken: null,
}).id;

// the server's order: keys first, then JWTs, then the session cookie
const chain: Authenticator[] = [
  keyAuthenticator(keys),
  jwtAuthenticator(
    verifier,
    access,
    oidcMetrics(null, () => 0),
  ),
  sessionAuthenticator(sessions, () => 'http://localhost'),
];
const app = new Hono();
app.use(
  '*',
  authMiddleware({
    authenticators: chain,
    clientAddress: clientAddressOf([]),
    perAddress: new TokenBuckets({ perSecond: 1e9, burst: 1e9 }),
    perCredential: new TokenBuckets({ perSecond: 1e9, burst: 1e9 }),
    failures: new TokenBuckets({ perSecond: 1, burst: 20 }),
  }),
);
app.get('/api/services', (c) => c.json([]));
const bare = new Hono();
bare.get('/api/services', (c) => c.json([]));

const cases: Record<string, Record<string, string>> = {
  'API key (baseline)': { authorization: `Bearer ${made.key}` },
  'bearer JWT RS256': { authorization: `Bearer ${await token('RS256')}` },
  'bearer JWT ES256': { authorization: `Bearer ${await token('ES256')}` },
  'session cookie': { cookie: `__Host-witness_session=${session}` },
};

async function micros(a: Hono, headers: Record<string, string>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await a.request('/api/services', { headers });
    if (res.status !== 200) throw new Error(`got ${res.status}: ${await res.text()}`);
  }
  return ((performance.now() - t0) / n) * 1000;
}

// warm-up: JIT, the JWKS read, the key cache
for (const headers of Object.values(cases)) await micros(app, headers, 500);
await micros(bare, {}, 500);

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  const names = Object.keys(cases);
  if (r % 2 === 1) names.reverse();
  const base = await micros(bare, {}, requests);
  for (const name of names) samples[name]!.push((await micros(app, cases[name]!, requests)) - base);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const baseline = median(samples['API key (baseline)']!);
console.log(
  `bench:oidc  auth middleware alone, in-process, ${requests} requests × ${rounds} rounds, medians`,
);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(
    `  ${name.padEnd(20)} ${m.toFixed(1).padStart(7)} µs/request  ratio to key ${(m / baseline).toFixed(2)}`,
  );
}

sessions.sweep();
jwksServer.close();
rmSync(dir, { recursive: true, force: true });
