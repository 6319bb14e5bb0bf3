/**
 * Static bearer tokens that are not API keys:
 * - `auth.scrapeToken`: a shared secret for Prometheus (`authorization: { credentials_file: … }`),
 *   which can send a static bearer token but not mint keys. It may read /metrics and nothing else;
 *   it sees every project's series, as the operator's Prometheus is meant to.
 * - the demo's token: `witness serve --demo` makes a random one per process so its own demo agents can
 *   ingest when auth is on; it lives only in memory and may only ingest into `default`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Access } from '@witness/protocol';
import type { AuthMethod, Authenticator } from './authenticator.js';
import { bearerToken } from './authenticator.js';
import type { Principal } from './principal.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Accepts `Authorization: Bearer <token>` as `principal`; anything else is not its credential. */
export function sharedTokenAuthenticator(
  token: string,
  method: AuthMethod,
  principal: Principal,
): Authenticator {
  const expected = digest(token);
  return {
    method,
    authenticate(c) {
      const given = bearerToken(c);
      // comparing digests keeps the comparison constant-time whatever the lengths
      if (given === null || !timingSafeEqual(digest(given), expected)) return null;
      return { ok: true, limitKey: `${principal.kind}:${principal.subject}`, principal };
    },
  };
}

const METRICS_ONLY: ReadonlySet<Access> = new Set(['public', 'metrics']);

export function scrapeTokenAuthenticator(token: string): Authenticator {
  return sharedTokenAuthenticator(token, 'scrape_token', {
    kind: 'scrape',
    subject: 'scrape-token',
    project: 'default',
    projects: '*',
    grants: METRICS_ONLY,
  });
}

/** A fresh in-memory token for the built-in demo, and the authenticator that accepts it. */
export function demoIngestToken(): { token: string; authenticator: Authenticator } {
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    authenticator: sharedTokenAuthenticator(token, 'key', {
      kind: 'key',
      subject: 'demo',
      project: 'default',
      projects: ['default'],
      grants: new Set<Access>(['public', 'ingest']),
    }),
  };
}
