/**
 * Auth for one server, from its config: whether it is on, the authenticator chain (API keys, the
 * scrape token, then whatever the caller adds — OIDC's bearer JWTs and session cookie), the rate
 * limits, metrics and audit of decisions, and the refusal to run open on a network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, MiddlewareHandler } from 'hono';
import type { Registry } from 'prom-client';
import type { WitnessConfig } from '../config/index.js';
import { errorBody, type WitnessError } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import { authMiddleware } from './auth-middleware.js';
import { authRequestsCounter } from './auth-metrics.js';
import type { Authenticator } from './authenticator.js';
import { clientAddressOf, isLoopbackHost } from './client-address.js';
import { type KeyAuditLog, KeyAuditor } from './key-audit.js';
import { keyAuthenticator } from './key-authenticator.js';
import { keysFilePath } from './key-file.js';
import { KeyStore } from './key-store.js';
import { resolveProjectUnauthenticated } from './principal.js';
import { scrapeTokenAuthenticator } from './scrape-token.js';
import { TokenBuckets } from './token-buckets.js';

/** Where the server records which key events are in the audit log (key-audit.ts). */
export const KEY_AUDIT_STATE_FILE = 'api-keys.audited.json';

/** Thrown when the server must not start as configured; the message says what to do. */
export class InsecureStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsecureStartError';
  }
}

/** Is auth on for this config? Unset means: on unless the server listens on loopback only and OIDC is off. */
export function authEnabled(config: Pick<WitnessConfig, 'auth' | 'server'>): boolean {
  // configuring sign-in (auth.oidc.issuer) asks for it, on loopback too
  return config.auth.enabled ?? (!loopbackOnly(config.server) || config.auth.oidc.issuer !== null);
}

/** Every interface Witness listens on: server.host, and the OTLP/gRPC one when that is on. */
function listenHosts(server: WitnessConfig['server']): string[] {
  return server.grpc?.enabled ? [server.host, server.grpc.host ?? server.host] : [server.host];
}

const loopbackOnly = (server: WitnessConfig['server']) => listenHosts(server).every(isLoopbackHost);

/**
 * Refuses to serve a network without auth unless told `--insecure` (and then warns, every start).
 * Call before anything opens, so a refused start leaves nothing behind.
 */
export function checkStartSafety(
  config: Pick<WitnessConfig, 'auth' | 'server'>,
  insecure: boolean,
  logger: Pick<Logger, 'warn'>,
): void {
  const host = listenHosts(config.server).find((h) => !isLoopbackHost(h)) ?? config.server.host;
  if (authEnabled(config) || loopbackOnly(config.server)) return;
  if (!insecure)
    throw new InsecureStartError(
      `refusing to listen on ${host} with auth off: anyone who can reach the port could read every prompt and write spans. ` +
        'Turn auth on (drop auth.enabled: false, then create a key: witness keys create --data-dir <dir> --project default --scope admin), ' +
        'listen on 127.0.0.1, or pass --insecure to accept the risk.',
    );
  logger.warn(
    { host },
    `INSECURE: listening on ${host} with auth off (--insecure): anyone who can reach this port can read and write all data`,
  );
}

export interface CreateAuthOptions {
  config: WitnessConfig;
  dataDir: string;
  logger: Logger;
  /** Where witness_auth_requests_total goes. */
  registry: Registry;
  /** Key events and denied admin actions are recorded here; null when the audit log is off. */
  audit: KeyAuditLog | null;
  /** Asked after API keys and the scrape token, in order (OIDC). */
  authenticators?: Authenticator[];
  /** Answers a refusal; @default the JSON error body. */
  deny?: (c: Context, err: WitnessError, headers: Record<string, string>) => Response | Promise<Response>;
  /** @default 250 */
  keysPollMs?: number;
}

export interface Auth {
  enabled: boolean;
  middleware: MiddlewareHandler;
  /** The API keys the server knows (null when auth is off). */
  keys: KeyStore | null;
  /** Resolves once every key change seen so far is in the audit log (tests). */
  auditSettled(): Promise<void>;
  close(): void;
}

function readScrapeToken(auth: WitnessConfig['auth']): string | null {
  if (auth.scrapeToken) return auth.scrapeToken;
  if (!auth.scrapeTokenFile) return null;
  const token = readFileSync(auth.scrapeTokenFile, 'utf8').trim();
  if (token.length < 16)
    throw new InsecureStartError(
      `auth.scrapeTokenFile ${auth.scrapeTokenFile} holds fewer than 16 characters; use a long random token (openssl rand -hex 32)`,
    );
  return token;
}

const buckets = (perSecond: number, burst: number) =>
  perSecond > 0 ? new TokenBuckets({ perSecond, burst }) : null;

export function createAuth(options: CreateAuthOptions): Auth {
  const { config, logger } = options;
  const enabled = authEnabled(config);
  if (!enabled) {
    return {
      enabled,
      middleware: resolveProjectUnauthenticated(),
      keys: null,
      auditSettled: async () => {},
      close() {},
    };
  }

  const auditor = options.audit
    ? new KeyAuditor(options.audit, join(options.dataDir, KEY_AUDIT_STATE_FILE), (err) =>
        logger.error({ err }, 'could not record a key change in the audit log'),
      )
    : null;
  const keysPath = keysFilePath(options.dataDir, config.auth.keysFile);
  const keys = new KeyStore({
    path: keysPath,
    pollMs: options.keysPollMs,
    onLoad: (all) => {
      logger.info({ keys: all.length, file: keysPath }, 'API keys loaded');
      void auditor?.observe(all);
    },
    onError: (err) =>
      logger.error({ err, file: keysPath }, 'cannot read the API keys file; the previous keys stay in force'),
  });
  keys.start();

  const scrapeToken = readScrapeToken(config.auth);
  const chain: Authenticator[] = [keyAuthenticator(keys)];
  if (scrapeToken) chain.push(scrapeTokenAuthenticator(scrapeToken));
  chain.push(...(options.authenticators ?? []));
  // people can still sign in with OIDC; other extra authenticators (the demo's token) do not count
  const signIn = options.authenticators?.some((a) => a.method === 'jwt' || a.method === 'session');
  if (keys.keys.length === 0 && !signIn)
    logger.warn(
      { file: keysPath },
      `auth is on and no API key exists yet: create the first with witness keys create --data-dir ${options.dataDir} --project default --scope admin`,
    );

  const count = authRequestsCounter(options.registry);
  const rl = config.auth.rateLimit;
  const middleware = authMiddleware({
    authenticators: chain,
    clientAddress: clientAddressOf(config.auth.trustedProxies),
    perAddress: buckets(rl.perAddressPerSecond, rl.perAddressBurst),
    perCredential: buckets(rl.perKeyPerSecond, rl.perKeyBurst),
    failures: buckets(rl.failedAttemptsPerMinute / 60, rl.failedAttemptsBurst),
    deny: options.deny ?? ((c, err, headers) => c.json(errorBody(err), err.status, headers)),
    onDecision: (c, d) => {
      count(d);
      // Denied admin actions are audited when the caller proved who it is (403) or presented a bad
      // credential (401, bounded by the failed-attempt budget). A bare 401 is only counted: anyone
      // can send those, and they must not be able to fill the audit log.
      const audited =
        d.access === 'admin' &&
        d.outcome !== 'allowed' &&
        d.reason !== 'missing' &&
        d.outcome !== 'rate_limited';
      if (audited && options.audit)
        options.audit
          .append({
            type: 'auth.denied',
            actor: d.principal ? `${d.principal.kind}:${d.principal.subject}` : null,
            subject: `${c.req.method} ${c.req.path}`,
            // the project the refused caller belongs to, when it proved one (a key's own)
            project: d.principal && d.principal.projects !== '*' ? d.principal.project : null,
            details: { reason: d.reason, method: d.method, address: d.address },
          })
          .catch((err: unknown) => logger.error({ err }, 'could not audit a denied admin action'));
    },
  });
  return {
    enabled,
    middleware,
    keys,
    auditSettled: () => auditor?.settled() ?? Promise.resolve(),
    close: () => keys.close(),
  };
}
