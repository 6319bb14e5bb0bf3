/** The same test as ./malformed-input.e2e.test.ts, with ClickHouse as the store (see helpers/store-engine.ts). */
import { vi } from 'vitest';
import { useClickHouseStore } from './helpers/store-engine.js';

// chdb commits an insert (fsynced) in 0.1-0.6 s on a loaded 2-core machine, several times DuckDB's
// group commit: the same steps need more time, not different steps.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
useClickHouseStore();
await import('./malformed-input.e2e.test.js');
