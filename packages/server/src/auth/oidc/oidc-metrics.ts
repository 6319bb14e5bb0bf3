/** The OIDC counters on /metrics (their labels are closed sets, so the series stay bounded). */
import { Counter, Gauge, type Registry } from 'prom-client';
import { JWT_FAILURE_REASONS, type JwtFailureReason } from './jwt-verifier.js';

export const SIGNIN_FAILURE_REASONS = [
  'state',
  'provider_error',
  'token',
  'no_role',
  'rate_limited',
  'unavailable',
] as const;
export type SigninFailureReason = (typeof SIGNIN_FAILURE_REASONS)[number];

export interface OidcMetrics {
  jwtFailure(reason: JwtFailureReason): void;
  signin(outcome: 'success' | SigninFailureReason): void;
  signout(): void;
}

export function oidcMetrics(registry: Registry | null, sessions: () => number): OidcMetrics {
  if (!registry) return { jwtFailure() {}, signin() {}, signout() {} };
  const registers = [registry];
  const jwt = new Counter({
    name: 'witness_auth_jwt_failures_total',
    help: 'Bearer JWTs refused, by reason (signature, issuer, audience, algorithm, expired, …).',
    labelNames: ['reason'],
    registers,
  });
  const signins = new Counter({
    name: 'witness_auth_signins_total',
    help: 'OIDC sign-ins finished (outcome="success") or refused (outcome = the reason).',
    labelNames: ['outcome'],
    registers,
  });
  const signouts = new Counter({ name: 'witness_auth_signouts_total', help: 'OIDC sign-outs.', registers });
  new Gauge({
    name: 'witness_auth_sessions',
    help: 'Live OIDC sessions held in memory.',
    registers,
    collect() {
      this.set(sessions());
    },
  });
  // every label value at 0 from the start, so rate() and alerts see the series before the first failure
  for (const reason of JWT_FAILURE_REASONS) jwt.inc({ reason }, 0);
  for (const outcome of ['success', ...SIGNIN_FAILURE_REASONS]) signins.inc({ outcome }, 0);
  return {
    jwtFailure: (reason) => jwt.inc({ reason }),
    signin: (outcome) => signins.inc({ outcome }),
    signout: () => signouts.inc(),
  };
}
