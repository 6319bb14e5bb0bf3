import { readFileSync } from 'node:fs';
import type { ClickHouseStoreOptions } from './clickhouse-store.js';

/** `store.clickhouse` as the config schema gives it. */
export interface ClickHouseConfig {
  url: string;
  database: string;
  username: string;
  password: string | null;
  passwordFile: string | null;
  cluster: string | null;
}

/**
 * Store options from the config: the password from env (already in `password`) or its file, read
 * once at start (a secret never sits in the YAML; see SECRET_CONFIG_KEYS).
 */
export function clickHouseOptions(
  config: ClickHouseConfig,
  extra: { queryTimeoutMs: number; ttlDays: number | null },
): ClickHouseStoreOptions {
  let password = config.password ?? '';
  if (config.passwordFile !== null) {
    try {
      password = readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(
        `store.clickhouse.passwordFile: cannot read ${config.passwordFile} (${(err as Error).message})`,
      );
    }
  }
  return {
    url: config.url,
    database: config.database,
    username: config.username,
    password,
    cluster: config.cluster,
    queryTimeoutMs: extra.queryTimeoutMs,
    ttlDays: extra.ttlDays,
  };
}
