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

describe('WITNESS_FAULT_FILE', () => {
  it('parses the faults a test toggles, ignoring what it does not know', async () => {
    const { parseFaultFile } = await import('./index.js');
    expect(
      parseFaultFile('fsync-delay-ms 250\nclock-offset-ms -7200000\nwrite-error EROFS\n# note\nbogus 1\n'),
    ).toEqual({ fsyncDelayMs: 250, clockOffsetMs: -7_200_000, writeError: 'EROFS' });
    expect(parseFaultFile('write-error erofs; rm')).toEqual({
      fsyncDelayMs: 0,
      clockOffsetMs: 0,
      writeError: null,
    });
    expect(parseFaultFile('')).toEqual({ fsyncDelayMs: 0, clockOffsetMs: 0, writeError: null });
  });

  it('is a fault that the server warns about', () => {
    const f = faultsFromEnv({ WITNESS_FAULT_FILE: '/nonexistent/faults' });
    expect(anyFault(f)).toBe(true);
    expect(f.file?.current()).toEqual({ fsyncDelayMs: 0, clockOffsetMs: 0, writeError: null });
  });
});
