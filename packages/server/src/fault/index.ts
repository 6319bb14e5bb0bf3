/**
 * Test-only fault injection from the environment (never config keys: nobody should find them in
 * `witness init`'s file). The performance gate's own test sets it to prove the gate notices a
 * slowdown; a server started with it logs a warning at start. (The store's fault hook,
 * WITNESS_FAULT_STORE, is the spool's: docs/spool.md.)
 *
 * - WITNESS_FAULT_INGEST_DELAY_MS=<0..60000>: every OTLP request waits this long after decoding,
 *   before it is stored (an artificially slow ingest path).
 * - WITNESS_FAULT_FILE=<path>: faults toggled while the server runs (a slow fsync, a clock stepped
 *   back), see fault-file.ts; the chaos tests (test/chaos/, docs/chaos.md) use it.
 */
import { FaultFile } from './fault-file.js';

export { FaultFile, type FileFaults, parseFaultFile } from './fault-file.js';

export const INGEST_DELAY_ENV = 'WITNESS_FAULT_INGEST_DELAY_MS';
export const FAULT_FILE_ENV = 'WITNESS_FAULT_FILE';

export interface Faults {
  ingestDelayMs: number;
  /** Set when WITNESS_FAULT_FILE names a file. */
  file?: FaultFile;
}

export function faultsFromEnv(env: Record<string, string | undefined> = {}): Faults {
  const path = env[FAULT_FILE_ENV];
  const file = path ? { file: new FaultFile(path) } : {};
  const raw = env[INGEST_DELAY_ENV];
  if (raw === undefined || raw === '') return { ingestDelayMs: 0, ...file };
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000)
    throw new Error(`${INGEST_DELAY_ENV} must be an integer number of ms in 0..60000, got "${raw}"`);
  return { ingestDelayMs: ms, ...file };
}

export const anyFault = (f: Faults): boolean => f.ingestDelayMs > 0 || f.file !== undefined;
