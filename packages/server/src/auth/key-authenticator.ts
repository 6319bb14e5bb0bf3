/**
 * API keys on a request: `x-witness-key: <key>`, or `Authorization: Bearer <key>` — the second is what
 * `OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<key>` makes every OpenTelemetry exporter send.
 */
import type { Access } from '@witness/protocol';
import type { Context } from 'hono';
import { type KeyScope, looksLikeKey, parseKey, secretMatches } from './api-key.js';
import { type Authenticator, bearerToken } from './authenticator.js';
import type { KeyStore } from './key-store.js';

/** What each scope may do (see @witness/protocol access.ts). A key acts in its own project only. */
export const SCOPE_GRANTS: Record<KeyScope, ReadonlySet<Access>> = {
  ingest: new Set(['public', 'ingest']),
  read: new Set(['public', 'read', 'metrics']),
  admin: new Set(['public', 'ingest', 'read', 'edit', 'admin', 'metrics']),
};

export function keyAuthenticator(store: KeyStore, now: () => number = Date.now): Authenticator {
  return {
    method: 'key',
    authenticate(c: Context) {
      const header = c.req.header('x-witness-key');
      const bearer = header === undefined ? bearerToken(c) : null;
      const token = header ?? bearer;
      // a bearer token of another kind (a JWT, the scrape token) is for the next authenticator
      if (token === null || (header === undefined && !looksLikeKey(token))) return null;
      const parsed = parseKey(token.trim());
      if (!parsed)
        return {
          ok: false,
          reason: 'malformed',
          message: 'the API key is malformed: expected wk_<id>_<secret> as printed by witness keys create',
        };
      const record = store.get(parsed.id);
      // unknown and wrong-secret answer alike, so the answer does not tell which key ids exist
      if (!record || !secretMatches(record, parsed.secret))
        return { ok: false, reason: 'unknown', message: 'unknown API key' };
      if (record.revokedAt !== null)
        return { ok: false, reason: 'revoked', message: `API key ${record.id} was revoked` };
      if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now())
        return {
          ok: false,
          reason: 'expired',
          message: `API key ${record.id} expired at ${record.expiresAt}`,
        };
      return {
        ok: true,
        limitKey: `key:${record.id}`,
        principal: {
          kind: 'key',
          subject: record.id,
          project: record.project,
          projects: [record.project],
          grants: SCOPE_GRANTS[record.scope],
        },
      };
    },
  };
}
