/**
 * The OpenID provider as Witness sees it: its discovered metadata (openid-client), read lazily and
 * cached, so Witness starts and serves keys/ingest while the provider is down; and its signing keys
 * (jose's remote JWKS: cached for `jwksCacheSeconds`, re-read at most every 30 s when a token names
 * an unknown key, 5 s timeout).
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';

export interface ProviderClientOptions {
  issuer: string;
  clientId: string;
  /** null: a public client (PKCE only, no client authentication). */
  clientSecret: string | null;
  clockToleranceSeconds: number;
  jwksCacheSeconds: number;
  /** After a failed discovery, the next attempt waits this long (bounds load on a sick provider). @default 5000 */
  retryAfterMs?: number;
}

/** The provider's metadata could not be read: sign-in and JWTs answer 503 for now. */
export class ProviderUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'ProviderUnavailable';
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

export class ProviderClient {
  private config: client.Configuration | null = null;
  private pending: Promise<client.Configuration> | null = null;
  private failedAt = 0;
  private lastError: unknown = null;
  private jwks: JWTVerifyGetKey | null = null;

  constructor(private readonly options: ProviderClientOptions) {}

  /** The discovered configuration; concurrent callers share one discovery. */
  async configuration(): Promise<client.Configuration> {
    if (this.config) return this.config;
    const retryAfterMs = this.options.retryAfterMs ?? 5000;
    const waited = Date.now() - this.failedAt;
    if (waited < retryAfterMs)
      throw new ProviderUnavailable(
        `the OpenID provider ${this.options.issuer} could not be reached: ${(this.lastError as Error)?.message}`,
        Math.ceil((retryAfterMs - waited) / 1000),
        this.lastError,
      );
    this.pending ??= this.discover().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.options;
    const url = new URL(issuer);
    try {
      const config = await client.discovery(
        url,
        clientId,
        { [client.clockTolerance]: this.options.clockToleranceSeconds },
        clientSecret === null ? client.None() : client.ClientSecretBasic(clientSecret),
        {
          // plain http is allowed for a loopback issuer only (the config schema refuses any other)
          execute:
            LOOPBACK.test(url.hostname) && url.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          timeout: 5,
        },
      );
      this.config = config;
      return config;
    } catch (err) {
      this.failedAt = Date.now();
      this.lastError = err;
      throw new ProviderUnavailable(
        `the OpenID provider ${issuer} could not be reached: ${(err as Error).message}`,
        Math.ceil((this.options.retryAfterMs ?? 5000) / 1000),
        err,
      );
    }
  }

  /** The issuer's JWKS as a jose key resolver. */
  async keys(): Promise<JWTVerifyGetKey> {
    if (this.jwks) return this.jwks;
    const jwksUri = (await this.configuration()).serverMetadata().jwks_uri;
    if (!jwksUri)
      throw new ProviderUnavailable(`the OpenID provider ${this.options.issuer} publishes no jwks_uri`, 60);
    this.jwks = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: this.options.jwksCacheSeconds * 1000,
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
    });
    return this.jwks;
  }
}
