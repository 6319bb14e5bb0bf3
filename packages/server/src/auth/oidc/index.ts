/** auth/oidc: sign-in for people with an OpenID provider, and bearer JWTs from the same issuer. */
export {
  type ClaimsAccess,
  type ClaimsAccessOptions,
  claimsAccess,
  grantsOf,
  ROLE_GRANTS,
} from './claims-access.js';
export {
  ACCEPTED_ALGORITHMS,
  JWT_FAILURE_REASONS,
  type JwtFailureReason,
  JwtVerifier,
  looksLikeJwt,
} from './jwt-verifier.js';
export { SESSION_COOKIE, userPrincipal } from './oidc-authenticators.js';
export { createOidcSignin, type OidcConfig, type OidcSignin, readClientSecret } from './oidc-signin.js';
export { SIGNIN_COOKIE, signinRoutes } from './signin-routes.js';
