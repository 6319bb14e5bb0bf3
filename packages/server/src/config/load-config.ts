import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type ConfigInput, configSchema, SECRET_CONFIG_KEYS, type WitnessConfig } from './schema.js';
import { FAULT_FILE_ENV, INGEST_DELAY_ENV } from '../fault/index.js';

/** A configuration the process must not start with; the message names the key and where it came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** YAML file (keys as in the schema, e.g. `retention: { maxAgeDays: 7 }`). @default env.WITNESS_CONFIG */
  file?: string;
  /** Environment to read WITNESS_* from. @default {} (core code reads no env; main.ts passes process.env) */
  env?: Record<string, string | undefined>;
  /** CLI flags, already shaped like the schema. Highest precedence. */
  flags?: ConfigInput;
}

/** Short names for the settings people type most. */
const ENV_ALIASES: Record<string, string> = {
  WITNESS_PORT: 'server.port',
  WITNESS_HOST: 'server.host',
  WITNESS_UI_DIR: 'server.uiDir',
};
/** Keys that existed once, with what replaced them: a config still setting one is told what to do. */
const RETIRED_KEYS: Record<string, string> = {
  'audit.adminToken':
    'was replaced by admin API keys: remove it, create one with `witness keys create --data-dir <dir> --project default --scope admin` and send it as "Authorization: Bearer <key>" (docs/security.md)',
};
const RETIRED_ENV: Record<string, string> = { WITNESS_AUDIT_ADMIN_TOKEN: 'audit.adminToken' };

/** WITNESS_CONFIG names the YAML file rather than a key of it. */
const ENV_CONFIG_FILE = 'WITNESS_CONFIG';
/**
 * Read by the CLI or the server wiring, not config keys: the test-only fault hooks (the store's,
 * docs/spool.md; the ingest delay, fault/ and docs/performance.md).
 */
const ENV_NOT_CONFIG = new Set([ENV_CONFIG_FILE, 'WITNESS_FAULT_STORE', INGEST_DELAY_ENV, FAULT_FILE_ENV]);

type Leaf = { path: string; type: string };

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType } } };
  while (s._zod.def.innerType && ['default', 'prefault', 'optional', 'nullable'].includes(s._zod.def.type)) {
    s = s._zod.def.innerType as typeof s;
  }
  return s;
}

function leaves(schema: z.ZodType, prefix: string, out: Leaf[]): Leaf[] {
  const s = unwrap(schema) as z.ZodType & {
    _zod: { def: { type: string; shape?: Record<string, z.ZodType> } };
  };
  if (s._zod.def.type === 'object' && s._zod.def.shape) {
    for (const [key, child] of Object.entries(s._zod.def.shape))
      leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.push({ path: prefix, type: s._zod.def.type });
  }
  return out;
}

const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const envNameOf = (path: string) => `WITNESS_${path.split('.').map(snake).join('_')}`;

/** `retention.maxAgeDays` → `WITNESS_RETENTION_MAX_AGE_DAYS`, for every leaf of the schema. */
export function envVarNames(): Map<string, Leaf> {
  const map = new Map<string, Leaf>();
  const all = leaves(configSchema, '', []);
  for (const leaf of all) map.set(envNameOf(leaf.path), leaf);
  for (const [name, path] of Object.entries(ENV_ALIASES)) {
    const leaf = all.find((l) => l.path === path);
    if (leaf) map.set(name, leaf);
  }
  return map;
}

function envValue(raw: string, type: string): unknown {
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw; // left as text, zod names the key
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type === 'array') return raw.split(',').map((s) => s.trim());
  return raw;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

const valueAt = (obj: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((node, part) => (isPlainObject(node) ? node[part] : undefined), obj);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge, recording which source set each leaf so an error can say where a bad value came from. */
function merge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  origin: string,
  origins: Map<string, string>,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      if (!isPlainObject(target[key])) target[key] = {};
      merge(target[key] as Record<string, unknown>, value, origin, origins, path);
    } else {
      target[key] = value;
      origins.set(path, origin);
    }
  }
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${file} must hold a mapping of keys`);
  return parsed;
}

/**
 * The configuration, from defaults < YAML file < WITNESS_* env < flags. Throws ConfigError naming the
 * first bad or unknown key and its source.
 */
export function loadConfig(options: LoadConfigOptions = {}): WitnessConfig {
  const merged: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  // An explicit file (--config) wins over WITNESS_CONFIG, as flags win over env everywhere else.
  const file = options.file || options.env?.[ENV_CONFIG_FILE] || undefined;
  if (file) merge(merged, readFile(file), `config file ${file}`, origins);
  // A secret in the YAML ends up in backups, repos and support bundles: only env or a file may carry it.
  for (const key of SECRET_CONFIG_KEYS)
    if (origins.get(key)?.startsWith('config file') && valueAt(merged, key) != null)
      throw new ConfigError(
        `config key "${key}" is a secret and may not be in the config file ${file}: set ${envNameOf(key)} or ${key}File`,
      );

  const names = envVarNames();
  const fromEnv: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(options.env ?? {})) {
    if (!name.startsWith('WITNESS_') || raw === undefined || ENV_NOT_CONFIG.has(name)) continue;
    const leaf = names.get(name);
    const retired = RETIRED_ENV[name];
    if (!leaf && retired)
      throw new ConfigError(`environment variable ${name} (config key ${retired}) ${RETIRED_KEYS[retired]}`);
    if (!leaf) {
      throw new ConfigError(
        `unknown environment variable ${name}; known ones: ${[...names.keys()].sort().join(', ')}`,
      );
    }
    setPath(fromEnv, leaf.path, envValue(raw, leaf.type));
    origins.set(leaf.path, `environment variable ${name}`);
  }
  merge(merged, fromEnv, 'environment', new Map());
  if (options.flags) merge(merged, options.flags as Record<string, unknown>, 'command-line flag', origins);

  const result = configSchema.safeParse(merged);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = base ? `${base}.${issue.keys[0]}` : issue.keys[0];
    const where = origins.get(key) ?? [...origins.entries()].find(([p]) => p.startsWith(`${key}.`))?.[1];
    if (RETIRED_KEYS[key])
      throw new ConfigError(`config key "${key}"${where ? ` (from ${where})` : ''} ${RETIRED_KEYS[key]}`);
    throw new ConfigError(`unknown config key "${key}"${where ? ` (from ${where})` : ''}`);
  }
  const where = origins.get(base);
  throw new ConfigError(`invalid config key "${base}"${where ? ` (from ${where})` : ''}: ${issue.message}`);
}
