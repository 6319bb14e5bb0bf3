/**
 * The auth middleware: every request is checked against its route's `access` (route-access.ts) before
 * any handler runs. For a request that needs more than `public`:
 *
 * 1. per-address rate limit, and the failed-attempt bound (an address that sent too many bad
 *    credentials recently gets 429 until its budget refills, whatever it sends);
 * 2. the authenticator chain (authenticator.ts): the first that recognises the credential decides;
 *    none → 401 `missing`; a bad credential → 401 and one failed attempt charged to the address;
 * 3. per-credential rate limit;
 * 4. the route's access level must be among the principal's grants, else 403 `forbidden`;
 * 5. the project: the one the request names (x-witness-project / ?project=) if the principal may act
 *    in it, else 403 `wrong_project`; the principal's own project when the request names none.
 *
 * 401 = "we do not know who you are" (no, unknown, revoked, expired credential; retrying with a
 * valid one may work). 403 = "we know, and you may not" (scope, role, project). 404 = no such route;
 * unknown paths are not authenticated at all, since their answer holds nothing.
 */
import type { Access } from '@witness/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import { errorBody, WitnessError } from '../http/errors.js';
import type { AuthMethod, AuthReason, Authenticator } from './authenticator.js';
import { type Principal, requestedProject } from './principal.js';
import { type RouteAccessTable, routeAccessTable } from './route-access.js';
import type { TokenBuckets } from './token-buckets.js';

export type AuthOutcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'rate_limited';

export interface AuthDecision {
  method: AuthMethod;
  outcome: AuthOutcome;
  reason: AuthReason;
  access: Access;
  principal: Principal | null;
  address: string;
}

export interface AuthMiddlewareOptions {
  /** Asked in order; see authenticator.ts. */
  authenticators: readonly Authenticator[];
  /** @default the table built from API_ROUTES */
  routes?: RouteAccessTable;
  /** The client's address (client-address.ts). */
  clientAddress: (c: Context) => string;
  /** Requests per client address (before authentication); null = unlimited. */
  perAddress?: TokenBuckets | null;
  /** Requests per credential (key id, user); null = unlimited. */
  perCredential?: TokenBuckets | null;
  /** Failed credential attempts per client address; null = unlimited. */
  failures?: TokenBuckets | null;
  /** Told about every decision on a non-public route (metrics, audit of denied admin actions). */
  onDecision?: (c: Context, decision: AuthDecision) => void;
  /** Answers a refusal; @default the JSON error body. (OTLP routes answer in the OTLP status shape.) */
  deny?: (c: Context, err: WitnessError, headers: Record<string, string>) => Response | Promise<Response>;
}

const PUBLIC_GRANTS: ReadonlySet<Access> = new Set(['public']);
const SIGNIN_GRANTS: ReadonlySet<Access> = new Set(['public', 'signin']);

function defaultDeny(c: Context, err: WitnessError, headers: Record<string, string>): Response {
  return c.json(errorBody(err), err.status, headers);
}

export function authMiddleware(options: AuthMiddlewareOptions): MiddlewareHandler {
  const routes = options.routes ?? routeAccessTable();
  const deny = options.deny ?? defaultDeny;
  return async (c, next) => {
    const access = routes.accessOf(c.req.method, c.req.path);
    if (access === null || access === 'public') {
      // health checks and the UI bundle: nobody, acting in no project's data
      c.set('principal', {
        kind: 'anonymous',
        subject: 'anonymous',
        project: 'default',
        projects: [],
        grants: PUBLIC_GRANTS,
      });
      return next();
    }
    const address = options.clientAddress(c);
    let method: AuthMethod = 'none';
    const refuse = (
      outcome: Exclude<AuthOutcome, 'allowed'>,
      reason: Exclude<AuthReason, 'ok'>,
      message: string,
      principal: Principal | null,
      retryAfterSeconds?: number,
    ) => {
      options.onDecision?.(c, { method, outcome, reason, access, principal, address });
      const code =
        outcome === 'unauthenticated'
          ? 'UNAUTHORIZED'
          : outcome === 'forbidden'
            ? 'FORBIDDEN'
            : 'TOO_MANY_REQUESTS';
      const err = new WitnessError(code, message, { retryAfterSeconds });
      const headers: Record<string, string> = {};
      if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
      // RFC 6750: a 401 names the scheme the client should use
      if (outcome === 'unauthenticated')
        headers['www-authenticate'] =
          reason === 'missing' ? 'Bearer realm="witness"' : 'Bearer realm="witness", error="invalid_token"';
      return deny(c, err, headers);
    };

    const byAddress = options.perAddress?.take(address);
    if (byAddress && !byAddress.ok)
      return refuse(
        'rate_limited',
        'rate_limited',
        'too many requests from this address; retry after Retry-After seconds',
        null,
        byAddress.retryAfterSeconds,
      );
    if (access === 'signin') {
      // The sign-in steps (OIDC login, callback, logout, me) are how a person gets a credential, so
      // none is required. One that is sent and checks out still names the caller (/api/auth/me says
      // who you are); a bad or unreadable one is ignored, not refused — a stale cookie or a provider
      // outage must not keep anyone from the sign-in page. The OIDC routes bound failed sign-ins.
      let principal: Principal = {
        kind: 'anonymous',
        subject: 'anonymous',
        project: 'default',
        projects: [],
        grants: SIGNIN_GRANTS,
      };
      for (const authenticator of options.authenticators) {
        const result = await Promise.resolve(authenticator.authenticate(c)).catch(() => null);
        if (result === null) continue;
        if (result.ok) principal = result.principal;
        break;
      }
      c.set('principal', principal);
      return next();
    }
    const budget = options.failures?.has(address);
    if (budget && !budget.ok)
      return refuse(
        'rate_limited',
        'too_many_failures',
        'too many failed credential attempts from this address; retry after Retry-After seconds',
        null,
        budget.retryAfterSeconds,
      );

    let principal: Principal | null = null;
    let limitKey: string | undefined;
    for (const authenticator of options.authenticators) {
      const result = await authenticator.authenticate(c);
      if (result === null) continue;
      method = authenticator.method;
      if (!result.ok) {
        options.failures?.take(address);
        return refuse('unauthenticated', result.reason, result.message, null);
      }
      principal = result.principal;
      limitKey = result.limitKey ?? `${principal.kind}:${principal.subject}`;
      break;
    }
    if (!principal) {
      if (c.req.header('authorization') || c.req.header('x-witness-key')) {
        // a credential nobody recognises is a failed attempt, like an unknown key
        options.failures?.take(address);
        return refuse(
          'unauthenticated',
          'malformed',
          'the credential is not one Witness accepts: send "Authorization: Bearer <API key>" (witness keys create)',
          null,
        );
      }
      return refuse(
        'unauthenticated',
        'missing',
        'authentication required: send "Authorization: Bearer <API key>" or "x-witness-key: <API key>" (create one with witness keys create)',
        null,
      );
    }

    const byCredential = options.perCredential?.take(limitKey!);
    if (byCredential && !byCredential.ok)
      return refuse(
        'rate_limited',
        'rate_limited',
        'too many requests with this credential; retry after Retry-After seconds',
        principal,
        byCredential.retryAfterSeconds,
      );
    if (!principal.grants.has(access))
      return refuse(
        'forbidden',
        'forbidden',
        `this credential may not call ${c.req.method} ${c.req.path}: it needs ${access} access`,
        principal,
      );
    const named = requestedProject(c);
    if (named !== null && named !== principal.project) {
      const allowed = principal.projects === '*' || principal.projects.includes(named);
      if (!allowed)
        return refuse(
          'forbidden',
          'wrong_project',
          `this credential may not act in project "${named}"`,
          principal,
        );
    }
    const acting: Principal =
      named === null || named === principal.project ? principal : { ...principal, project: named };
    c.set('principal', acting);
    options.onDecision?.(c, { method, outcome: 'allowed', reason: 'ok', access, principal: acting, address });
    return next();
  };
}
