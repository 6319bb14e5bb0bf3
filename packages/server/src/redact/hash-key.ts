/**
 * The HMAC key of the redaction `hash` actions. It is a secret (anyone holding it can test guesses
 * against hashed values), so it comes from a file, never from the YAML: the configured file, or one
 * generated under the data directory with mode 0600 the first time a hash action needs it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const HASH_KEY_FILE = 'redaction-hmac.key';

/** Reads the key (hex or raw bytes, at least 16 bytes), or generates 32 random bytes into `path`. */
export function loadOrCreateHashKey(
  path: string,
  options: { create: boolean },
): { key: Buffer; created: boolean } {
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create)
      throw new Error(`redaction.hashKeyFile ${path}: ${(err as Error).message}`);
  }
  if (text !== null) {
    const key =
      /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text);
    if (key.length < 16)
      throw new Error(`redaction.hashKeyFile ${path}: the key must hold at least 16 bytes`);
    return { key, created: false };
  }
  const key = randomBytes(32);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, created: true };
}
