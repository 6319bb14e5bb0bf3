import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { ViolationStore } from '../../governance/violation-store.js';
import { violationsConformance } from '../violations-conformance.js';
import { ConnectionPool } from './connection-pool.js';
import { openDuckDbStore } from './duckdb-store.js';

// The node's own DuckDB file, as the server opens it for violations (engine duckdb): one per case.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('duckdb governance violations', () => {
  violationsConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-violations-'));
    dirs.push(dir);
    const store = await openDuckDbStore({ path: join(dir, 'witness.duckdb'), threads: 1 });
    const violations = await ViolationStore.open(
      await store.connect(),
      new ConnectionPool([await store.connect()], { timeoutMs: 10_000 }),
    );
    return { violations, close: () => store.close() };
  });
});
