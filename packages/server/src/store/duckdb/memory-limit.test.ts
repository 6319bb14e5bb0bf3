import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSpan } from '../test-records.js';
import { openDuckDbStore } from './duckdb-store.js';
import { defaultMemoryLimit, duckDbSizeBytes } from './memory-limit.js';

const GB = 1024 ** 3;

describe('defaultMemoryLimit', () => {
  it('is a quarter of the memory available, between 256 MB and 2 GB', () => {
    expect(defaultMemoryLimit(4 * GB)).toBe('1024MB');
    expect(defaultMemoryLimit(24 * GB)).toBe('2048MB');
    expect(defaultMemoryLimit(512 * 1024 ** 2)).toBe('256MB');
  });
  it('is bounded on this machine too (never DuckDB’s 80% of RAM)', () => {
    const mb = Number(defaultMemoryLimit().replace('MB', ''));
    expect(mb).toBeGreaterThanOrEqual(256);
    expect(mb).toBeLessThanOrEqual(2048);
  });
});

describe('duckDbSizeBytes', () => {
  it('reads sizes as DuckDB does: KB/MB/GB in powers of 1000, KiB/MiB/GiB in powers of 1024', () => {
    expect(duckDbSizeBytes('2048MB')).toBe(2_048_000_000);
    expect(duckDbSizeBytes('1GB')).toBe(1e9);
    expect(duckDbSizeBytes('1.5 GiB')).toBe(1.5 * GB);
    expect(duckDbSizeBytes('512mib')).toBe(512 * 1024 ** 2);
    expect(duckDbSizeBytes('lots')).toBeNull();
    expect(duckDbSizeBytes('12 parsecs')).toBeNull();
  });
});

describe('the store reports its DuckDB memory and limit', () => {
  it('agrees with DuckDB’s own memory_limit and counts memory once rows are held', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witness-duckdb-mem-'));
    const store = await openDuckDbStore({ path: join(dir, 'w.duckdb'), threads: 1, memoryLimit: '300MB' });
    try {
      const T0 = 1_750_000_000_000_000_000n;
      for (let b = 0; b < 20; b++)
        await store.append({
          project: 'default',
          spans: Array.from({ length: 100 }, (_, i) =>
            makeSpan({ trace: b * 100 + i + 1, n: 1, start: T0 + BigInt(b * 100 + i), durationMs: 1 }),
          ),
          logs: [],
        });
      const stats = await store.stats();
      // DuckDB shows its setting in MiB: 300 MB = 286.1 MiB
      expect(stats.memory?.limitBytes).toBe(300_000_000);
      expect(stats.memory?.bytes).toBeGreaterThan(0);
      expect(stats.memory?.bytes).toBeLessThanOrEqual(300_000_000);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
