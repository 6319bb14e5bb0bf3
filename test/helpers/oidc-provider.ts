/**
 * A real OpenID provider for tests: the `oidc-provider` package (the certified Node implementation)
 * on a free loopback port, with a client registered for Witness, accounts whose claims carry roles
 * and projects, its own RSA signing key (so tests can also mint tokens "from the issuer"), sign-in
 * through its development login form, RP-initiated logout, and client-credentials JWT access tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount {
  sub: string;
  name: string;
  email: string;
  /** Values of the `roles` claim. */
  roles: string[];
  /** Values of the `witness_projects` claim. */
  projects: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The audience of client-credentials access tokens (resource indicator). */
  apiAudience: string;
  /** A JWT signed with the provider's own key (as if it issued it); override any claim. */
  mint(claims: Record<string, unknown>, header?: { alg?: string; kid?: string }): Promise<string>;
  /** A client-credentials access token (JWT) issued by the provider itself for `apiAudience`. */
  clientCredentialsToken(): Promise<string>;
  /** Changes an account's claims from its next sign-in on (a role change at the provider). */
  updateAccount(sub: string, patch: Partial<TestAccount>): void;
  stop(): Promise<void>;
}

export interface StartProviderOptions {
  accounts: TestAccount[];
  /** Where Witness is reached (redirect and post-logout URIs are registered under it). */
  witnessOrigins: string[];
  /** Claims put in client-credentials access tokens. */
  serviceClaims?: Record<string, unknown>;
}

/** A free loopback port (to register Witness's redirect URI before Witness starts). */
export async function freePort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

export async function startTestProvider(options: StartProviderOptions): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'witness-ui';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const apiAudience = 'https://witness.test/api';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.witnessOrigins.map((o) => `${o}/api/auth/callback`),
        post_logout_redirect_uris: options.witnessOrigins.map((o) => `${o}/`),
        grant_types: ['authorization_code', 'client_credentials'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [privateJwk] },
    // claims of the granted scopes go into the ID token (Witness reads roles and projects there)
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email'],
      witness: ['roles', 'witness_projects'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => apiAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== apiAudience) throw new Error(`unknown resource ${resource}`);
          return {
            scope: 'api',
            audience: apiAudience,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'ClientCredentials' ? (options.serviceClaims ?? {}) : undefined,
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: account.name,
          email: account.email,
          roles: account.roles,
          witness_projects: account.projects,
        }),
      };
    },
    // quiet: the provider's own cookie signing keys for the test run
    cookies: { keys: ['test-cookie-key-0123456789'] },
    // explicit lifetimes (the defaults log a notice each)
    ttl: {
      AccessToken: 600,
      ClientCredentials: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AuthorizationCode: 60,
    },
  });
  // the dev interactions' "any login" form warns; tests know
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  const server = createServer(provider.callback());
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));

  return {
    issuer,
    clientId,
    clientSecret,
    apiAudience,
    mint(claims, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: clientId, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? 'test-key-1', typ: 'JWT' })
        .sign(privateKey);
    },
    async clientCredentialsToken() {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource: apiAudience }),
      });
      const body = (await res.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!body.access_token) throw new Error(`client_credentials failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    updateAccount(sub, patch) {
      const account = accounts.get(sub);
      if (!account) throw new Error(`no test account ${sub}`);
      accounts.set(sub, { ...account, ...patch });
    },
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
