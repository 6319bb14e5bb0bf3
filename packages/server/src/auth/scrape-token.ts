/**
 * `auth.scrapeToken`: a shared secret for Prometheus (`authorization: { credentials_file: … }`), which
 * can send a static bearer token but not mint keys. It may read /metrics and nothing else; it sees
 * every project's series, as the operator's Prometheus is meant to.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Access } from '@witness/protocol';
import { type Authenticator, bearerToken } from './authenticator.js';

const METRICS_ONLY: ReadonlySet<Access> = new Set(['public', 'metrics']);
const digest = (s: string) => createHash('sha256').update(s).digest();

export function scrapeTokenAuthenticator(token: string): Authenticator {
  const expected = digest(token);
  return {
    method: 'scrape_token',
    authenticate(c) {
      const given = bearerToken(c);
      // comparing digests keeps the comparison constant-time whatever the lengths
      if (given === null || !timingSafeEqual(digest(given), expected)) return null;
      return {
        ok: true,
        limitKey: 'scrape_token',
        principal: {
          kind: 'scrape',
          subject: 'scrape-token',
          project: 'default',
          projects: '*',
          grants: METRICS_ONLY,
        },
      };
    },
  };
}
