/**
 * What a sign-in needs to remember between /login and /callback (state, nonce, PKCE verifier, where to
 * return), kept in a short-lived cookie encrypted (JWE, dir + A256GCM) with a key made at start and
 * never written anywhere. The browser that started the sign-in is therefore the only one that can
 * finish it (login CSRF), the server keeps nothing per unauthenticated request (nothing to exhaust),
 * and a restart merely makes sign-ins in progress start again.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

export interface SigninState {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

/** A sign-in must be finished within this long. */
export const SIGNIN_STATE_TTL_SECONDS = 600;

export class SigninStateCodec {
  private readonly key = randomBytes(32);

  async seal(s: SigninState): Promise<string> {
    return new EncryptJWT({ ...s })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${SIGNIN_STATE_TTL_SECONDS}s`)
      .encrypt(this.key);
  }

  /** The state of a cookie this process sealed, unexpired; null otherwise. */
  async open(cookie: string): Promise<SigninState | null> {
    try {
      const { payload } = await jwtDecrypt(cookie, this.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      const { state, nonce, verifier, returnTo } = payload;
      if ([state, nonce, verifier, returnTo].some((v) => typeof v !== 'string')) return null;
      return { state, nonce, verifier, returnTo } as SigninState;
    } catch {
      return null;
    }
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A path on this server to land on after signing in; anything else becomes `/`. Refuses absolute and
 * scheme-relative URLs (`//evil.example`, `/\evil.example`): the sign-in must not be an open redirect.
 */
export function safeReturnTo(raw: string | undefined): string {
  if (!raw?.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // control characters and backslashes: browsers "fix" them into other URLs
  if (raw.includes('\\') || [...raw].some((ch) => ch.charCodeAt(0) < 0x20)) return '/';
  try {
    const u = new URL(raw, 'http://witness.invalid');
    if (u.origin !== 'http://witness.invalid' || u.pathname.startsWith('/api/')) return '/';
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return '/';
  }
}
