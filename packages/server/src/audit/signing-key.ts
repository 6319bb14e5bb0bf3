/**
 * The Ed25519 key that signs checkpoints. It lives in a file (default <data-dir>/keys/), is generated
 * on first start (private half 0600), and its public half sits beside it so `witness audit verify`
 * finds it. Whoever verifies should pin the public key out of band: one kept in the same directory only
 * proves the log was not altered by someone without the private key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PRIVATE_KEY_FILE = 'audit-ed25519.key';
export const PUBLIC_KEY_FILE = 'audit-ed25519.pub';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM of the public key. */
  publicKeyPem: string;
  /** First 16 hex digits of SHA-256(SPKI DER): names the key in checkpoints. */
  keyId: string;
  /** True when this call generated the key. */
  created: boolean;
  privateKeyPath: string;
  publicKeyPath: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function loadOrCreateSigningKey(options: { keysDir: string; keyFile?: string | null }): SigningKey {
  const privateKeyPath = options.keyFile ?? join(options.keysDir, PRIVATE_KEY_FILE);
  const publicKeyPath = options.keyFile ? `${options.keyFile}.pub` : join(options.keysDir, PUBLIC_KEY_FILE);
  let created = false;
  let privateKey: KeyObject;
  if (existsSync(privateKeyPath)) {
    privateKey = readPrivateKey(privateKeyPath);
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error(
        `${privateKeyPath} holds a ${privateKey.asymmetricKeyType} key; the audit log needs Ed25519`,
      );
  } else {
    mkdirSync(dirname(privateKeyPath), { recursive: true, mode: 0o700 });
    privateKey = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    created = true;
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(publicKeyPath) || readFileSync(publicKeyPath, 'utf8') !== publicKeyPem)
    writeFileSync(publicKeyPath, publicKeyPem, { mode: 0o644 });
  return {
    privateKey,
    publicKey,
    publicKeyPem,
    keyId: keyIdOf(publicKey),
    created,
    privateKeyPath,
    publicKeyPath,
  };
}

/**
 * Reads the private key, or says which file and what to do: the key cannot simply be replaced (a new
 * one would sign from then on and the log would record a key change), so the message says not to.
 */
function readPrivateKey(path: string): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const who = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    throw new Error(
      `cannot read the audit signing key ${path} (${code}: ${(err as Error).message}). Give the user running Witness${who} read access to it (owner that user, mode 0600), or set audit.keyFile to where the key is. Do not delete it: a new key would be generated and the audit log would record a key change.`,
      { cause: err },
    );
  }
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(
      `the audit signing key ${path} is not a readable PEM private key (${(err as Error).message}). Restore it from your backup (witness backup copies keys/); do not replace it with a new key unless it is lost for good.`,
      { cause: err },
    );
  }
}

export function loadPublicKey(path: string): KeyObject {
  const key = createPublicKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 public key`);
  return key;
}
