/**
 * API keys: `wk_<id>_<secret>`. The id (16 hex digits) is public — it is how `witness keys list`
 * names a key and how the server finds the record without scanning; the secret is 32 random bytes
 * (256 bits, base64url).
 *
 * Only `sha256(salt ‖ secret)` is stored, with a 16-byte random salt per key, and compared in constant
 * time. A fast hash is right here, and a password KDF (bcrypt, scrypt, argon2) is not: a KDF's cost
 * exists to slow down guessing a low-entropy secret chosen by a person, but 2^256 possibilities cannot
 * be searched at any hashing speed, so the KDF would buy nothing while costing tens of milliseconds of
 * CPU on every ingest request — and handing anyone who can send requests a way to burn our CPU. The
 * salt keeps two stored hashes unrelated even if the random source repeated.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

const KEY_PATTERN = /^wk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** What the keys file keeps about a key: never the key itself. */
export interface StoredKey {
  id: string;
  name: string;
  project: string;
  scope: KeyScope;
  /** base64 */
  salt: string;
  /** hex sha256(salt ‖ secret) */
  hash: string;
  /** ISO 8601 */
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ParsedKey {
  id: string;
  secret: string;
}

export function parseKey(key: string): ParsedKey | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** Does this look like one of our keys (so the key authenticator, not another one, owns it)? */
export const looksLikeKey = (token: string) => token.startsWith('wk_');

function hashSecret(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

export interface NewKey {
  /** The key to hand to the user, once. */
  key: string;
  record: StoredKey;
}

export function generateKey(
  fields: { name: string; project: string; scope: KeyScope; expiresAt: Date | null },
  now = new Date(),
): NewKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  return {
    key: `wk_${id}_${secret}`,
    record: {
      id,
      name: fields.name,
      project: fields.project,
      scope: fields.scope,
      salt: salt.toString('base64'),
      hash: hashSecret(salt, secret).toString('hex'),
      createdAt: now.toISOString(),
      expiresAt: fields.expiresAt ? fields.expiresAt.toISOString() : null,
      revokedAt: null,
    },
  };
}

/** Constant time in the secret: the comparison never stops at the first differing byte. */
export function secretMatches(record: StoredKey, secret: string): boolean {
  const expected = Buffer.from(record.hash, 'hex');
  const actual = hashSecret(Buffer.from(record.salt, 'base64'), secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `90d`, `12h`, `30m`, `2w`, `1y` → milliseconds; null for anything else. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*([smhdwy])$/.exec(text.trim());
  if (!m) return null;
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 7 * 86_400e3, y: 365 * 86_400e3 }[m[2] as 's'];
  const n = Number(m[1]);
  return n > 0 ? n * unit : null;
}
