import { describe, expect, it } from 'vitest';
import { anyFault, faultsFromEnv } from './index.js';

describe('faultsFromEnv (test-only fault injection)', () => {
  it('is off unless WITNESS_FAULT_INGEST_DELAY_MS is set', () => {
    expect(anyFault(faultsFromEnv({ PATH: '/bin', WITNESS_PORT: '1', WITNESS_FAULT_STORE: '/tmp/f' }))).toBe(
      false,
    );
    expect(faultsFromEnv({ WITNESS_FAULT_INGEST_DELAY_MS: '25' })).toEqual({ ingestDelayMs: 25 });
  });

  it('refuses bad values with a clear message', () => {
    expect(() => faultsFromEnv({ WITNESS_FAULT_INGEST_DELAY_MS: '-1' })).toThrow(/0\.\.60000/);
    expect(() => faultsFromEnv({ WITNESS_FAULT_INGEST_DELAY_MS: 'slow' })).toThrow(/0\.\.60000/);
  });
});
