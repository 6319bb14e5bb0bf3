import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe } from 'vitest';
import { ConnectionPool } from '../../store/index.js';
import { metricPointsConformance } from './metric-points-conformance.js';
import { MetricPointStore } from './metric-store.js';

// A real DuckDB file per case, opened as the server does (a writer and a read pool).
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('duckdb metric points', () => {
  metricPointsConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-points-'));
    dirs.push(dir);
    const instance = await DuckDBInstance.create(join(dir, 'm.duckdb'));
    const points = await MetricPointStore.open(
      await instance.connect(),
      new ConnectionPool([await instance.connect()], { timeoutMs: 10_000 }),
    );
    return {
      points,
      close: async () => {
        instance.closeSync();
      },
    };
  });
});
