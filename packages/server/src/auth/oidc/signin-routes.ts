/**
 * GET /api/auth/login, GET /api/auth/callback, POST /api/auth/logout, GET /api/auth/me (access
 * `signin` in API_ROUTES: reachable without a credential, since they are how a person gets one).
 */
import {
  CALLBACK_PATH,
  callbackParams,
  LOGIN_PATH,
  LOGOUT_PATH,
  type LogoutJson,
  loginParams,
  ME_PATH,
  type MeJson,
} from '@witness/protocol';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { WitnessError } from '../../http/errors.js';
import { claimsAccess } from './claims-access.js';
import { SESSION_COOKIE, sameOrigin } from './oidc-authenticators.js';
import type { SigninFailureReason } from './oidc-metrics.js';
import type { OidcSignin } from './oidc-signin.js';
import { ProviderUnavailable } from './provider-client.js';
import { SIGNIN_STATE_TTL_SECONDS, safeReturnTo, sameSecret } from './signin-state.js';

/** Carries the encrypted sign-in state from /login to /callback (signin-state.ts). */
export const SIGNIN_COOKIE = 'witness_signin';

export interface SigninRoutesOptions {
  /** null: OIDC is not configured. */
  oidc: OidcSignin | null;
  /** Whether the server checks credentials at all (for /me). */
  authEnabled: boolean;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const cookieBase = { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Lax', path: '/' } as const;

function unavailable(err: unknown): never {
  if (err instanceof ProviderUnavailable)
    throw new WitnessError('SERVICE_UNAVAILABLE', err.message, { retryAfterSeconds: err.retryAfterSeconds });
  throw err;
}

export function signinRoutes(options: SigninRoutesOptions): Hono {
  const { oidc } = options;
  const app = new Hono();
  const api = (path: string) => path.replace(/^\/api/, '');

  const configured = (): OidcSignin => {
    if (!oidc) throw new WitnessError('NOT_FOUND', 'sign-in with OIDC is not configured (auth.oidc.issuer)');
    return oidc;
  };
  /** 429 while this address is over its failed sign-in budget. */
  const checkBudget = (o: OidcSignin, c: Context) => {
    const budget = o.failures.has(o.clientAddress(c));
    if (!budget.ok) {
      o.metrics.signin('rate_limited');
      throw new WitnessError(
        'TOO_MANY_REQUESTS',
        'too many failed sign-ins from this address; retry after Retry-After seconds',
        { retryAfterSeconds: budget.retryAfterSeconds },
      );
    }
  };
  /** A failed sign-in: counted, charged to the address, answered with `err`. */
  const failed = (o: OidcSignin, c: Context, reason: SigninFailureReason, err: WitnessError): never => {
    o.metrics.signin(reason);
    o.failures.take(o.clientAddress(c));
    deleteCookie(c, SIGNIN_COOKIE, cookieBase);
    throw err;
  };

  app.get(api(LOGIN_PATH), async (c) => {
    const o = configured();
    const query = loginParams.safeParse(c.req.query());
    if (!query.success) throw new WitnessError('BAD_REQUEST', `returnTo: ${query.error.issues[0]?.message}`);
    checkBudget(o, c);
    const config = await o.provider.configuration().catch(unavailable);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${o.originOf(c)}${CALLBACK_PATH}`,
      scope: o.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const sealed = await o.states.seal({
      state,
      nonce,
      verifier,
      returnTo: safeReturnTo(query.data.returnTo),
    });
    setCookie(c, SIGNIN_COOKIE, sealed, { ...cookieBase, maxAge: SIGNIN_STATE_TTL_SECONDS });
    c.header('cache-control', 'no-store');
    return c.redirect(url.href, 302);
  });

  app.get(api(CALLBACK_PATH), async (c) => {
    const o = configured();
    checkBudget(o, c);
    const query = callbackParams.safeParse(c.req.query());
    const sealed = getCookie(c, SIGNIN_COOKIE, 'host');
    const pending = sealed ? await o.states.open(sealed) : null;
    const stateParam = query.success ? query.data.state : undefined;
    if (!pending || stateParam === undefined || !sameSecret(stateParam, pending.state))
      failed(
        o,
        c,
        'state',
        new WitnessError(
          'BAD_REQUEST',
          'this sign-in was not started in this browser, or took longer than 10 minutes: start again at /api/auth/login',
        ),
      );
    const p = pending as NonNullable<typeof pending>;
    if (query.success && query.data.error !== undefined)
      failed(
        o,
        c,
        'provider_error',
        new WitnessError(
          'UNAUTHORIZED',
          `the OpenID provider refused the sign-in: ${query.data.error}${query.data.error_description ? ` (${query.data.error_description.slice(0, 300)})` : ''}`,
        ),
      );
    const config = await o.provider.configuration().catch((err) => {
      o.metrics.signin('unavailable');
      return unavailable(err);
    });
    const redirectUri = `${o.originOf(c)}${CALLBACK_PATH}`;
    // the redirect_uri sent to the token endpoint is this URL without its query: the one sent at /login
    const current = new URL(`${redirectUri}?${new URL(c.req.url).searchParams.toString()}`);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      // a provider we cannot reach is an outage, not a failed sign-in
      if (err instanceof TypeError && /fetch/i.test(err.message)) {
        o.metrics.signin('unavailable');
        throw new WitnessError(
          'SERVICE_UNAVAILABLE',
          `the OpenID provider cannot be reached: ${err.message}`,
          {
            retryAfterSeconds: 5,
          },
        );
      }
      return failed(
        o,
        c,
        'token',
        new WitnessError('UNAUTHORIZED', `the sign-in did not check out: ${(err as Error).message}`, {
          cause: err,
        }),
      );
    }
    const claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    const subject = String(claims.sub);
    const mapped = claimsAccess(claims, o.access);
    const name = str(claims.name) ?? str(claims.preferred_username);
    const email = str(claims.email);
    if (mapped.role === null)
      failed(
        o,
        c,
        'no_role',
        new WitnessError(
          'FORBIDDEN',
          `signed in as ${email ?? name ?? subject}, but no role is given to you: ask an administrator to add you to a group mapped in auth.oidc.roleMapping (claim "${o.config.roleClaim}")`,
        ),
      );
    // a new id at every sign-in; a session this browser held before ends (no fixation, no orphans)
    const previous = getCookie(c, SESSION_COOKIE, 'host');
    if (previous !== undefined) o.sessions.delete(previous);
    const { id, session } = o.sessions.create({
      subject,
      name,
      email,
      role: mapped.role,
      projects: mapped.projects,
      idToken: tokens.id_token ?? null,
    });
    o.metrics.signin('success');
    const address = o.clientAddress(c);
    await o.record({
      type: 'auth.signin',
      actor: `user:${subject}`,
      subject: email ?? name ?? subject,
      details: {
        method: 'oidc',
        issuer: o.config.issuer,
        role: session.role,
        projects: session.projects,
        address,
      },
    });
    const change = o.roleChange(subject, session.role);
    if (change)
      await o.record({
        type: 'auth.role_change',
        actor: 'witness',
        subject: `user:${subject}`,
        details: { from: change.from, to: session.role, source: `claim ${o.config.roleClaim}` },
      });
    deleteCookie(c, SIGNIN_COOKIE, cookieBase);
    setCookie(c, SESSION_COOKIE, id, { ...cookieBase, maxAge: o.config.sessionMaxAgeMinutes * 60 });
    c.header('cache-control', 'no-store');
    return c.redirect(p.returnTo, 302);
  });

  app.post(api(LOGOUT_PATH), async (c) => {
    let redirect = '/';
    const id = getCookie(c, SESSION_COOKIE, 'host');
    // the cookie only ends a session when the request comes from our own pages (no forced sign-out)
    if (oidc && id !== undefined && sameOrigin(c, oidc.originOf(c))) {
      const session = oidc.sessions.delete(id);
      if (session) {
        oidc.metrics.signout();
        await oidc.record({
          type: 'auth.signout',
          actor: `user:${session.subject}`,
          subject: session.email ?? session.name ?? session.subject,
          details: { method: 'oidc', address: oidc.clientAddress(c) },
        });
        const metadata = oidc.config.providerSignOut
          ? await oidc.provider.configuration().catch(() => null)
          : null;
        if (metadata?.serverMetadata().end_session_endpoint) {
          const params: Record<string, string> = {
            post_logout_redirect_uri: `${oidc.originOf(c)}/`,
            client_id: oidc.config.clientId,
          };
          if (session.idToken) params.id_token_hint = session.idToken;
          redirect = client.buildEndSessionUrl(metadata, params).href;
        }
      }
      deleteCookie(c, SESSION_COOKIE, cookieBase);
    }
    c.header('cache-control', 'no-store');
    return c.json({ redirect } satisfies LogoutJson);
  });

  app.get(api(ME_PATH), (c) => {
    const principal = c.get('principal');
    const signedIn = principal && (principal.kind !== 'anonymous' || !options.authEnabled);
    const body: MeJson = {
      authEnabled: options.authEnabled,
      oidc: oidc !== null,
      principal: signedIn
        ? {
            kind: principal.kind,
            subject: principal.subject,
            name: principal.user?.name ?? null,
            email: principal.user?.email ?? null,
            role: principal.user?.role ?? null,
            project: principal.project,
            projects: principal.projects === '*' ? '*' : [...principal.projects],
            access: [...principal.grants].sort(),
          }
        : null,
    };
    c.header('cache-control', 'no-store');
    return c.json(body);
  });

  return app;
}
