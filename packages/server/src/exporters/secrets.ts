import { readFileSync } from 'node:fs';
import type { ExporterSecretRef } from '../config/index.js';
import { ExporterConfigError } from './types.js';

/**
 * Reads a secret named by env or file, once at start (a rotated file takes a restart or SIGHUP). A
 * missing one stops the start with a message naming the exporter and the variable or file, rather than
 * sending requests the target will refuse.
 */
export function resolveExporterSecret(
  exporter: string,
  ref: ExporterSecretRef,
  env: Record<string, string | undefined>,
): string {
  if (ref.env !== undefined) {
    const v = env[ref.env];
    if (v === undefined || v === '')
      throw new ExporterConfigError(exporter, `the environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    // a trailing newline is what editors and `echo` leave; it is never part of a token
    return readFileSync(ref.file as string, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ExporterConfigError(
      exporter,
      `cannot read the secret file ${ref.file}: ${(err as Error).message}`,
    );
  }
}

/** Plain headers plus secret headers resolved. */
export function resolveHeaders(
  exporter: string,
  plain: Record<string, string>,
  secret: Record<string, ExporterSecretRef>,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = { ...plain };
  for (const [k, ref] of Object.entries(secret)) out[k] = resolveExporterSecret(exporter, ref, env);
  return out;
}
