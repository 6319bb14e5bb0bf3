import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeLog, makeSpan } from '../test-records.js';
import { openDuckDbStore } from './duckdb-store.js';

const T0 = 1_750_000_000_000_000_000n;
const WAL_BYTES = 1024 * 1024;

const size = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/** Appends `batches` batches (100 spans + 50 logs each), four at a time, while a reader reads. */
async function ingestWhileReading(
  store: Awaited<ReturnType<typeof openDuckDbStore>>,
  batches: number,
): Promise<{ walPeak: number }> {
  const wal = `${store.path}.wal`;
  let walPeak = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      await store.stats();
      await store.getTrace('default', makeSpan({ trace: 1, n: 1, start: T0, durationMs: 1 }).traceId);
    }
  })();
  // four appends in flight at a time, so groups overlap as under load
  for (let b = 0; b < batches; b += 4) {
    await Promise.all(
      [0, 1, 2, 3].map((k) =>
        store.append({
          project: 'default',
          spans: Array.from({ length: 100 }, (_, i) =>
            makeSpan({
              trace: (b + k) * 100 + i + 1,
              n: 1,
              start: T0 + BigInt((b + k) * 100 + i),
              durationMs: 1,
              attributes: { 'gen_ai.prompt': 'x'.repeat(200 + i) },
            }),
          ),
          logs: Array.from({ length: 50 }, (_, i) =>
            makeLog({ timeUnixNano: T0 + BigInt(i), body: `log ${b + k}/${i} ${'y'.repeat(100)}` }),
          ),
        }),
      ),
    );
    walPeak = Math.max(walPeak, await size(wal));
  }
  reading = false;
  await reader;
  return { walPeak };
}

describe('background checkpoint (real DuckDB file)', () => {
  it('folds the WAL between commit groups once it passes the size, while ingest and reads go on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witness-bg-ckpt-'));
    const path = join(dir, 'w.duckdb');
    const store = await openDuckDbStore({
      path,
      threads: 1,
      checkpointWalBytes: WAL_BYTES,
      checkpointCheckMs: 0,
    });
    try {
      const bg = store.backgroundCheckpoint!;
      const { walPeak } = await ingestWhileReading(store, 160);
      // let a checkpoint queued by the last commit finish
      for (let i = 0; i < 100 && (await size(`${path}.wal`)) >= WAL_BYTES; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(bg.done).toBeGreaterThan(0);
      expect(bg.failed).toBe(0);
      // the WAL never ran far past the size, and the data went into the file
      expect(walPeak).toBeLessThan(4 * WAL_BYTES);
      expect(await size(`${path}.wal`)).toBeLessThan(WAL_BYTES);
      expect(await size(path)).toBeGreaterThan(WAL_BYTES);
      const stats = await store.stats();
      expect(stats.checkpoints?.done).toBe(bg.done); // what /metrics reports
      expect(stats.spans).toBe(16_000);
      expect(stats.logs).toBe(8_000);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('with it turned off, the same ingest leaves everything in the WAL (commits do not checkpoint)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witness-bg-ckpt-off-'));
    const path = join(dir, 'w.duckdb');
    const store = await openDuckDbStore({ path, threads: 1, checkpointWalBytes: 0 });
    try {
      await ingestWhileReading(store, 160);
      expect(store.backgroundCheckpoint!.done).toBe(0);
      expect(await size(`${path}.wal`)).toBeGreaterThan(4 * WAL_BYTES);
      expect((await store.stats()).spans).toBe(16_000);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
