import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../conformance.js';
import { openDuckDbStore } from './duckdb-store.js';

// Real DuckDB files in a temp directory, one per test.
runStoreConformance('duckdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'witness-store-'));
  const path = join(dir, 'witness.duckdb');
  const open = () => openDuckDbStore({ path, threads: 1 });
  return {
    store: await open(),
    reopen: open,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

// Again with a one-part first window, so every trace search takes the windowed path (see
// trace-search.ts): the answers must be the same.
runStoreConformance('duckdb, windowed trace search', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'witness-store-'));
  const path = join(dir, 'witness.duckdb');
  const open = () => openDuckDbStore({ path, threads: 1, traceWindowParts: 1 });
  return {
    store: await open(),
    reopen: open,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
