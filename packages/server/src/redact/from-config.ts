import { join } from 'node:path';
import { HASH_KEY_FILE, loadOrCreateHashKey } from './hash-key.js';
import { Redactor, type RedactorOptions } from './redactor.js';

/** The `redaction` config section, as the schema parses it. */
export interface RedactionConfig extends Omit<RedactorOptions, 'hashKey'> {
  enabled: boolean;
  hashKeyFile: string | null;
}

/**
 * The redactor of a config section, or null when redaction is off. The HMAC key is read (or, at the
 * default path only, generated) only when a hash action needs it; `onKeyCreated` lets the caller say so.
 */
export function redactorFromConfig(
  config: RedactionConfig,
  dataDir: string,
  onKeyCreated?: (path: string) => void,
): Redactor | null {
  if (!config.enabled) return null;
  let hashKey: Buffer | null = null;
  if (Redactor.needsHashKey(config)) {
    const path = config.hashKeyFile ?? join(dataDir, 'keys', HASH_KEY_FILE);
    const loaded = loadOrCreateHashKey(path, { create: config.hashKeyFile === null });
    if (loaded.created) onKeyCreated?.(path);
    hashKey = loaded.key;
  }
  return new Redactor({ ...config, hashKey });
}
