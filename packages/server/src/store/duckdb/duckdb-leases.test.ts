import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { leaseConformance } from '../lease-conformance.js';
import { openDuckDbStore } from './duckdb-store.js';

// Real DuckDB files, one per test.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('duckdb leases and shared checkpoints', () => {
  leaseConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-leases-'));
    dirs.push(dir);
    return openDuckDbStore({ path: join(dir, 'witness.duckdb'), threads: 1 });
  });
});
