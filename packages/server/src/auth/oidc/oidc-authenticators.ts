/**
 * The two ways a person proves who they are, as links of the auth chain (authenticator.ts): a bearer
 * JWT from the configured issuer (scripts, other services, the API from outside the browser) and the
 * session cookie set at sign-in (the UI). Both map to a `user` principal with the role's grants.
 */
import { DEFAULT_PROJECT, type UserRole } from '@witness/protocol';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { WitnessError } from '../../http/errors.js';
import { type AuthReason, type Authenticator, bearerToken } from '../authenticator.js';
import type { Principal } from '../principal.js';
import { type ClaimsAccessOptions, claimsAccess, grantsOf } from './claims-access.js';
import { JwksUnavailable, type JwtFailureReason, type JwtVerifier, looksLikeJwt } from './jwt-verifier.js';
import type { OidcMetrics } from './oidc-metrics.js';
import { ProviderUnavailable } from './provider-client.js';
import type { SessionStore } from './session-store.js';

/** `__Host-`: Secure, Path=/, no Domain — no subdomain can set or overwrite it. */
export const SESSION_COOKIE = 'witness_session';

export function userPrincipal(u: {
  subject: string;
  name: string | null;
  email: string | null;
  role: UserRole | null;
  projects: readonly string[] | '*';
}): Principal {
  return {
    kind: 'user',
    subject: u.subject,
    // acts in its first project unless the request names another it may act in
    project: u.projects === '*' ? DEFAULT_PROJECT : (u.projects[0] ?? DEFAULT_PROJECT),
    projects: u.projects,
    grants: grantsOf(u.role),
    user: { name: u.name, email: u.email, role: u.role },
  };
}

/** The auth chain's coarse reason for a JWT refusal (the fine one goes to witness_auth_jwt_failures_total). */
function chainReason(reason: JwtFailureReason): Exclude<AuthReason, 'ok'> {
  if (reason === 'malformed') return 'malformed';
  if (reason === 'expired') return 'expired';
  return 'invalid';
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

export function jwtAuthenticator(
  verifier: JwtVerifier,
  access: ClaimsAccessOptions,
  metrics: OidcMetrics,
): Authenticator {
  return {
    method: 'jwt',
    async authenticate(c) {
      const token = bearerToken(c);
      // not shaped like a JWT: an API key or the scrape token, asked before us, or nobody's
      if (token === null || !looksLikeJwt(token)) return null;
      let outcome: Awaited<ReturnType<JwtVerifier['verify']>>;
      try {
        outcome = await verifier.verify(token);
      } catch (err) {
        if (err instanceof JwksUnavailable || err instanceof ProviderUnavailable)
          throw new WitnessError('SERVICE_UNAVAILABLE', err.message, {
            cause: err,
            retryAfterSeconds: err instanceof ProviderUnavailable ? err.retryAfterSeconds : 5,
          });
        throw err;
      }
      if (!outcome.ok) {
        metrics.jwtFailure(outcome.reason);
        return { ok: false, reason: chainReason(outcome.reason), message: outcome.message };
      }
      const { claims } = outcome;
      const mapped = claimsAccess(claims, access);
      // a valid token whose claims map to no role: known, but may do nothing (the route answers 403)
      if (mapped.role === null) metrics.jwtFailure('no_role');
      const principal = userPrincipal({
        subject: String(claims.sub),
        name: str(claims.name) ?? str(claims.preferred_username),
        email: str(claims.email),
        ...mapped,
      });
      return { ok: true, principal, limitKey: `user:${principal.subject}` };
    },
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Does a cookie-carrying request that changes something come from our own pages? SameSite=Lax already
 * keeps the cookie off cross-site POSTs; this also refuses same-site (sibling subdomain) forgeries.
 * Browsers send Sec-Fetch-Site, or at least Origin, on every POST.
 */
export function sameOrigin(c: Context, expectedOrigin: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  return origin === undefined || origin === expectedOrigin;
}

export function sessionAuthenticator(
  sessions: SessionStore,
  originOf: (c: Context) => string,
): Authenticator {
  return {
    method: 'session',
    authenticate(c) {
      const id = getCookie(c, SESSION_COOKIE, 'host');
      if (id === undefined) return null;
      const session = sessions.get(id);
      // An ended session is not an attack (ids are 256 random bits): the request counts as carrying no
      // credential (401 missing, no failed attempt charged), so a browser left open overnight does not
      // use up its address's failure budget before the sign-in page shows.
      if (!session) return null;
      if (UNSAFE.has(c.req.method) && !sameOrigin(c, originOf(c)))
        return {
          ok: false,
          reason: 'invalid',
          message: 'a cross-site request carrying the session cookie is refused',
        };
      return { ok: true, principal: userPrincipal(session), limitKey: `user:${session.subject}` };
    },
  };
}
