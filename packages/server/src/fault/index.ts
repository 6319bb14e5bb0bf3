/**
 * Test-only fault injection from the environment (never config keys: nobody should find them in
 * `witness init`'s file). The performance gate's own test sets it to prove the gate notices a
 * slowdown; a server started with it logs a warning at start. (The store's fault hook,
 * WITNESS_FAULT_STORE, is the spool's: docs/spool.md.)
 *
 * - WITNESS_FAULT_INGEST_DELAY_MS=<0..60000>: every OTLP request waits this long after decoding,
 *   before it is stored (an artificially slow ingest path).
 */
export const INGEST_DELAY_ENV = 'WITNESS_FAULT_INGEST_DELAY_MS';

export interface Faults {
  ingestDelayMs: number;
}

export function faultsFromEnv(env: Record<string, string | undefined> = {}): Faults {
  const raw = env[INGEST_DELAY_ENV];
  if (raw === undefined || raw === '') return { ingestDelayMs: 0 };
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000)
    throw new Error(`${INGEST_DELAY_ENV} must be an integer number of ms in 0..60000, got "${raw}"`);
  return { ingestDelayMs: ms };
}

export const anyFault = (f: Faults): boolean => f.ingestDelayMs > 0;
