/**
 * Sign-in with OIDC, put together: the provider (discovery, JWKS), the session store, the two
 * authenticators for the auth chain, the routes (/api/auth/login, callback, logout, me), the counters
 * and the audit entries (sign-in, sign-out, role change). `createOidcSignin` returns null when
 * `auth.oidc.issuer` is unset; the routes still answer (me says OIDC is off, login 404).
 */
import { readFileSync } from 'node:fs';
import type { UserRole } from '@witness/protocol';
import type { Context } from 'hono';
import type { Registry } from 'prom-client';
import type { AuditEntryInput } from '../../audit/index.js';
import type { WitnessConfig } from '../../config/index.js';
import type { Logger } from '../../logging/index.js';
import type { Authenticator } from '../authenticator.js';
import { TokenBuckets } from '../token-buckets.js';
import type { ClaimsAccessOptions } from './claims-access.js';
import { JwtVerifier } from './jwt-verifier.js';
import { jwtAuthenticator, sessionAuthenticator } from './oidc-authenticators.js';
import { type OidcMetrics, oidcMetrics } from './oidc-metrics.js';
import { ProviderClient } from './provider-client.js';
import { SessionStore } from './session-store.js';
import { SigninStateCodec } from './signin-state.js';

export type OidcConfig = WitnessConfig['auth']['oidc'];

export interface OidcAuditLog {
  append(input: AuditEntryInput): Promise<unknown>;
}

export interface OidcSigninOptions {
  config: OidcConfig;
  logger: Logger;
  /** Where the OIDC counters go; null = not counted (tests). */
  registry: Registry | null;
  audit: OidcAuditLog | null;
  /** The client's address (auth/client-address.ts), for the failed sign-in bound. */
  clientAddress: (c: Context) => string;
}

export interface OidcSignin {
  readonly config: OidcConfig & { issuer: string; clientId: string };
  readonly provider: ProviderClient;
  readonly sessions: SessionStore;
  readonly states: SigninStateCodec;
  readonly access: ClaimsAccessOptions;
  readonly metrics: OidcMetrics;
  /** Failed sign-ins per client address. */
  readonly failures: TokenBuckets;
  readonly clientAddress: (c: Context) => string;
  /** Asked after API keys: bearer JWTs, then the session cookie. */
  readonly authenticators: Authenticator[];
  /** Witness's public origin for this request (auth.oidc.baseUrl, else the request's own). */
  originOf(c: Context): string;
  /** Records an audit entry; a failing audit log is logged, never fails the sign-in. */
  record(entry: AuditEntryInput): Promise<void>;
  /** Remembers the role a subject signed in with; returns the previous one when it changed. */
  roleChange(subject: string, role: UserRole | null): { from: UserRole | null } | null;
  close(): void;
}

/** The client secret from env/YAML-free config or its file; null for a public client. */
export function readClientSecret(config: OidcConfig): string | null {
  if (config.clientSecret) return config.clientSecret;
  if (!config.clientSecretFile) return null;
  let secret: string;
  try {
    secret = readFileSync(config.clientSecretFile, 'utf8').trim();
  } catch (err) {
    throw new Error(
      `auth.oidc.clientSecretFile: cannot read ${config.clientSecretFile} (${(err as Error).message})`,
    );
  }
  if (secret === '') throw new Error(`auth.oidc.clientSecretFile ${config.clientSecretFile} is empty`);
  return secret;
}

/** Subjects whose last role we remember, for role-change audit entries (bounded; since start). */
const MAX_REMEMBERED_ROLES = 10_000;

export function createOidcSignin(options: OidcSigninOptions): OidcSignin | null {
  const { config: oc, logger } = options;
  if (oc.issuer === null || oc.clientId === null) return null;
  const config = { ...oc, issuer: oc.issuer, clientId: oc.clientId };
  const provider = new ProviderClient({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: readClientSecret(config),
    clockToleranceSeconds: config.clockToleranceSeconds,
    jwksCacheSeconds: config.jwksCacheSeconds,
  });
  const sessions = new SessionStore({
    maxAgeMs: config.sessionMaxAgeMinutes * 60_000,
    idleMs: config.sessionIdleMinutes * 60_000,
    maxSessions: config.maxSessions,
  });
  const sweep = setInterval(() => sessions.sweep(), 60_000);
  sweep.unref();
  const metrics = oidcMetrics(options.registry, () => sessions.size);
  const access: ClaimsAccessOptions = {
    roleClaim: config.roleClaim,
    roleMapping: config.roleMapping,
    defaultRole: config.defaultRole,
    projectsClaim: config.projectsClaim,
    projectMapping: config.projectMapping,
    defaultProjects: config.defaultProjects,
  };
  const verifier = new JwtVerifier({
    issuer: config.issuer,
    audiences: config.audiences.length > 0 ? config.audiences : [config.clientId],
    clockToleranceSeconds: config.clockToleranceSeconds,
    keys: () => provider.keys(),
  });
  const originOf = (c: Context) => config.baseUrl?.replace(/\/+$/, '') ?? new URL(c.req.url).origin;
  const roles = new Map<string, UserRole | null>();

  return {
    config,
    provider,
    sessions,
    states: new SigninStateCodec(),
    access,
    metrics,
    failures: new TokenBuckets({
      perSecond: config.maxFailedSignInsPer15Min / 900,
      burst: config.maxFailedSignInsPer15Min,
    }),
    clientAddress: options.clientAddress,
    authenticators: [jwtAuthenticator(verifier, access, metrics), sessionAuthenticator(sessions, originOf)],
    originOf,
    async record(entry) {
      try {
        await options.audit?.append(entry);
      } catch (err) {
        logger.error({ err, type: entry.type }, 'could not record a sign-in event in the audit log');
      }
    },
    roleChange(subject, role) {
      const known = roles.has(subject);
      const previous = roles.get(subject) ?? null;
      roles.delete(subject);
      if (roles.size >= MAX_REMEMBERED_ROLES) {
        const oldest = roles.keys().next().value;
        if (oldest !== undefined) roles.delete(oldest);
      }
      roles.set(subject, role);
      return known && previous !== role ? { from: previous } : null;
    },
    close: () => clearInterval(sweep),
  };
}
