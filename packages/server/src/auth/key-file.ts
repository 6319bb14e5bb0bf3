/**
 * The keys file (<data-dir>/api-keys.json by default): the CLI writes it, the server reads it. It
 * holds only hashes (api-key.ts), yet it is created 0600 — the hashes let an attacker check guesses
 * offline, which is pointless at 256 bits but no reason to share them.
 *
 * Writes are whole-file replacements (temp file, fsync, rename), so the server, polling it, only ever
 * sees a complete old or a complete new file. Concurrent CLI writers take an exclusive lock file.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KEY_SCOPES, type StoredKey } from './api-key.js';
import { writePrivateJson } from './private-file.js';

export const KEYS_FILE = 'api-keys.json';

export interface KeysFileContent {
  version: 1;
  keys: StoredKey[];
}

export function keysFilePath(dataDir: string, configured?: string | null): string {
  return configured ?? join(dataDir, KEYS_FILE);
}

function isStoredKey(k: unknown): k is StoredKey {
  const r = k as StoredKey;
  return (
    typeof r === 'object' &&
    r !== null &&
    /^[0-9a-f]{16}$/.test(r.id) &&
    typeof r.project === 'string' &&
    (KEY_SCOPES as readonly string[]).includes(r.scope) &&
    typeof r.salt === 'string' &&
    typeof r.hash === 'string'
  );
}

/** The keys in `path`; an absent file holds none. Throws on a file that is not ours (never guesses). */
export function readKeysFile(path: string): KeysFileContent {
  if (!existsSync(path)) return { version: 1, keys: [] };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as KeysFileContent;
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys) || !parsed.keys.every(isStoredKey))
    throw new Error(`${path} is not a Witness keys file (version 1)`);
  return parsed;
}

/** Replaces the file atomically, 0600, in a 0700 directory created if missing. */
export function writeKeysFile(path: string, content: KeysFileContent): void {
  writePrivateJson(path, content);
}

/** Runs `change` on the file's content under an exclusive lock and writes the result. */
export function updateKeysFile<T>(path: string, change: (content: KeysFileContent) => T): T {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // a lock left by a crashed writer is stale after 30 s
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { force: true });
      } catch {}
      if (Date.now() > deadline)
        throw new Error(`${lock} is held by another witness keys command; retry, or remove it if none runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    const content = readKeysFile(path);
    const result = change(content);
    writeKeysFile(path, content);
    return result;
  } finally {
    rmSync(lock, { force: true });
  }
}
