/**
 * The seam every way of proving who you are plugs into. The auth middleware (auth-middleware.ts) asks
 * an ordered chain of `Authenticator`s, first to last, about each request that needs more than
 * `public` access:
 *
 * - return `null`: "this request carries no credential of mine" (no header of my kind). The chain asks
 *   the next one. When every authenticator says null, the request is unauthenticated: 401 `missing`.
 * - return `{ ok: true, principal }`: the credential is valid; the chain stops. The principal's
 *   `project` is the project it acts in when the request names none, `projects` where it may act
 *   (a request naming a project outside them is refused 403 `wrong_project`), and `grants` the access
 *   levels it holds (a route needing a level it lacks is refused 403 `forbidden`).
 * - return `{ ok: false, reason, message }`: the credential is mine and it is bad (unknown, revoked,
 *   expired, bad signature…). The chain stops at once — a bad key must not fall through to a weaker
 *   authenticator — and the request is answered 401 with `message`, counted under `reason`, and
 *   charged against the caller's failed-attempt budget.
 *
 * Authenticators never throw for a bad credential (expected outcomes are values); a throw is a bug or
 * an outage and becomes a 500. They must be cheap: they run on every ingest request. Order in the
 * chain: API keys first (they are the ingest path), then bearer JWTs and the session cookie (OIDC).
 */
import type { Context } from 'hono';
import type { Principal } from './principal.js';

/**
 * Why a request was refused, as the `reason` label of witness_auth_requests_total: a closed set, so
 * the label stays bounded. Authenticators that need a new reason add it here.
 */
export const AUTH_REASONS = [
  'ok',
  /** No credential at all. */
  'missing',
  /** Not shaped like any credential we issue. */
  'malformed',
  /** Well formed, but no such key / token. */
  'unknown',
  'revoked',
  'expired',
  /** A JWT or session whose signature, issuer or audience does not check out. */
  'invalid',
  /** Valid credential, but its scope or role does not reach the route's access level. */
  'forbidden',
  /** Valid credential, but the request names a project the credential may not act in. */
  'wrong_project',
  /** Over the per-key or per-address request rate. */
  'rate_limited',
  /** Too many failed credential attempts from this address recently. */
  'too_many_failures',
] as const;
export type AuthReason = (typeof AUTH_REASONS)[number];

/** How a credential was presented: the `method` label (bounded). */
export const AUTH_METHODS = ['none', 'key', 'scrape_token', 'jwt', 'session'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export type AuthResult =
  | {
      ok: true;
      principal: Principal /** Rate-limit bucket id (key id, subject); not a secret. */;
      limitKey?: string;
    }
  | { ok: false; reason: Exclude<AuthReason, 'ok'>; message: string };

export interface Authenticator {
  /** The `method` label its outcomes are counted under. */
  readonly method: AuthMethod;
  /** See the file comment: null = not my credential; a result = mine, good or bad. */
  authenticate(c: Context): AuthResult | null | Promise<AuthResult | null>;
}

/** The bearer token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), or null. */
export function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization');
  if (!header) return null;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}
