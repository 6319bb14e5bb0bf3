/**
 * Bearer JWTs from the configured issuer, checked with `jose` against the issuer's JWKS: signature,
 * issuer, audience, expiry and not-before (with a clock tolerance). Only asymmetric algorithms are
 * accepted, so `alg: none` and the HMAC-with-the-public-key confusion are refused before any key is
 * looked at. The outcome is a value with a closed set of reasons (the metric label), never a throw —
 * except when the provider's keys cannot be read at all: that is an outage (503), not a bad token.
 */
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

/** Why a JWT was refused: the `reason` label of witness_auth_jwt_failures_total (bounded). */
export const JWT_FAILURE_REASONS = [
  'malformed',
  'algorithm',
  'signature',
  'unknown_key',
  'issuer',
  'audience',
  'expired',
  'not_yet_valid',
  'claims',
  'no_role',
] as const;
export type JwtFailureReason = (typeof JWT_FAILURE_REASONS)[number];

/** RFC 7518 asymmetric signature algorithms (and EdDSA, RFC 8037). No `none`, no HS*. */
export const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type JwtOutcome =
  | { ok: true; claims: JWTPayload & Record<string, unknown> }
  | { ok: false; reason: JwtFailureReason; message: string };

export interface JwtVerifierOptions {
  issuer: string;
  /** Any one of them in `aud` suffices. */
  audiences: readonly string[];
  clockToleranceSeconds: number;
  /** The issuer's key set (jose's remote JWKS, cached with a bounded refresh). */
  keys: () => Promise<JWTVerifyGetKey>;
}

/** The JWKS could not be read: the token may be fine, we cannot tell (answer 503, not 401). */
export class JwksUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the OpenID provider's signing keys cannot be read: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
    this.name = 'JwksUnavailable';
  }
}

/** Three base64url parts: what a compact JWS (a JWT) looks like; API keys and scrape tokens do not. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export class JwtVerifier {
  constructor(private readonly options: JwtVerifierOptions) {}

  async verify(token: string): Promise<JwtOutcome> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return { ok: false, reason: 'malformed', message: 'the bearer token is not a JWT' };
    }
    if (typeof alg !== 'string' || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(alg))
      return {
        ok: false,
        reason: 'algorithm',
        message: `JWT algorithm ${JSON.stringify(alg)} is not accepted (only ${ACCEPTED_ALGORITHMS.join(', ')})`,
      };
    try {
      const { payload } = await jwtVerify(token, await this.options.keys(), {
        issuer: this.options.issuer,
        audience: [...this.options.audiences],
        clockTolerance: this.options.clockToleranceSeconds,
        algorithms: [...ACCEPTED_ALGORITHMS],
        requiredClaims: ['exp', 'sub'],
      });
      return { ok: true, claims: payload as JWTPayload & Record<string, unknown> };
    } catch (err) {
      return refusal(err);
    }
  }
}

function refusal(err: unknown): JwtOutcome {
  const fail = (reason: JwtFailureReason, message: string): JwtOutcome => ({ ok: false, reason, message });
  if (err instanceof errors.JWTExpired) return fail('expired', 'the JWT has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return fail('issuer', 'the JWT was not issued by the configured issuer');
    if (err.claim === 'aud') return fail('audience', 'the JWT is not meant for this API (audience)');
    if (err.claim === 'nbf') return fail('not_yet_valid', 'the JWT is not valid yet (nbf)');
    return fail('claims', `the JWT's "${err.claim}" claim is missing or wrong`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return fail('signature', "the JWT's signature does not verify with the issuer's keys");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return fail('unknown_key', "no key of the issuer's JWKS matches the JWT's kid/alg");
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return fail('algorithm', 'the JWT algorithm is not accepted');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return fail('malformed', `the bearer token is not a valid JWT (${err.message})`);
  // timeouts, refused connections, a JWKS answer that is not 200 JSON: an outage, not a bad token
  if (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
    (err instanceof TypeError && /fetch/i.test(err.message))
  )
    throw new JwksUnavailable(err);
  throw err;
}
