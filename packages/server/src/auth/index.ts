/** auth: who is calling (keys, OIDC users, scrape token) and which project a request acts in. */
export {
  type Principal,
  type PrincipalKind,
  projectOf,
  requestedProject,
  resolveProjectUnauthenticated,
} from './principal.js';
export {
  AUTH_METHODS,
  AUTH_REASONS,
  type AuthMethod,
  type AuthReason,
  type AuthResult,
  type Authenticator,
  bearerToken,
} from './authenticator.js';
export {
  type AuthDecision,
  type AuthMiddlewareOptions,
  type AuthOutcome,
  authMiddleware,
} from './auth-middleware.js';
export { type RouteAccessTable, routeAccessTable } from './route-access.js';
export { clientAddressOf, isLoopbackHost } from './client-address.js';
export { TokenBuckets, type TokenBucketOptions } from './token-buckets.js';
export {
  generateKey,
  KEY_SCOPES,
  type KeyScope,
  type NewKey,
  parseDuration,
  parseKey,
  type StoredKey,
} from './api-key.js';
export { KEYS_FILE, keysFilePath, readKeysFile, updateKeysFile } from './key-file.js';
export { KeyStore } from './key-store.js';
export { demoIngestToken, sharedTokenAuthenticator } from './scrape-token.js';
export { SCOPE_GRANTS } from './key-authenticator.js';
export {
  type Auth,
  authEnabled,
  checkStartSafety,
  type CreateAuthOptions,
  createAuth,
  InsecureStartError,
} from './create-auth.js';
export { createOidcSignin, type OidcSignin, signinRoutes } from './oidc/index.js';
