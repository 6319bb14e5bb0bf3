/**
 * Audit with several nodes: `witness audit verify` takes several node data directories, and with
 * --store-url checks each log against the checkpoints its node published to the shared store — a real
 * ClickHouse engine (chdb behind its HTTP shim) reached through @clickhouse/client. A node whose disk
 * is rolled back to an older copy verifies on its own, and is reported against the store.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@witness/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CheckpointPublisher } from '../packages/server/src/cluster/index.js';
import { openClickHouseStore } from '../packages/server/src/store/clickhouse/index.js';
import { type ChdbServer, startChdbServer } from '../packages/server/src/store/clickhouse/test-chdb.js';
import { CLI_MAIN } from './helpers/witness-process.js';

const root = mkdtempSync(join(tmpdir(), 'witness-audit-nodes-'));
let chdb: ChdbServer;
beforeAll(async () => {
  chdb = await startChdbServer();
});
afterAll(async () => {
  await chdb?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI_MAIN, 'audit', ...args], { encoding: 'utf8', timeout: 60_000 });

it('verifies two nodes against the store, and reports the one whose disk was rolled back', async () => {
  const store = await openClickHouseStore({
    url: chdb.url,
    database: 'witness_nodes',
    username: 'default',
    password: '',
    queryTimeoutMs: 20_000,
  });
  /** One ingest node's audit activity: entries, a checkpoint, published to the store as the server does. */
  const activity = async (node: string, n: number) => {
    const log = await AuditLog.open({
      dir: join(root, node, 'audit'),
      keysDir: join(root, node, 'keys'),
      checkpointIntervalMs: 0,
    });
    await log.appendMany(
      Array.from({ length: n }, (_, i) => ({
        type: 'tool.call',
        actor: `agent:${node}`,
        subject: `call ${i}`,
      })),
    );
    await log.checkpoint();
    await new CheckpointPublisher({
      node,
      latest: () => log.latestCheckpoint(),
      shared: () => store.sharedCheckpoints(),
    }).publish();
    await log.close();
  };
  await activity('ingest-1', 20);
  await activity('ingest-2', 30);
  cpSync(join(root, 'ingest-1'), join(root, 'ingest-1-backup'), { recursive: true });
  await activity('ingest-1', 15);
  await store.close();

  const dirs = ['-d', join(root, 'ingest-1'), '-d', join(root, 'ingest-2')];
  const storeArgs = ['--store-url', chdb.url, '--store-database', 'witness_nodes'];
  const ok = cli('verify', ...dirs, ...storeArgs);
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  expect(ok.stdout.match(/^OK: /gm)).toHaveLength(2);
  expect(ok.stdout).toMatch(/matches the 2 checkpoints published to the store/);

  // roll ingest-1's disk back to the older copy
  rmSync(join(root, 'ingest-1'), { recursive: true });
  cpSync(join(root, 'ingest-1-backup'), join(root, 'ingest-1'), { recursive: true });
  // on its own, the old copy is a perfectly valid log…
  expect(cli('verify', ...dirs).status).toBe(0);
  // …against the store it is not
  const bad = cli('verify', ...dirs, ...storeArgs);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(
    /FAILED: .*ingest-1: rolled back: the log on disk holds \d+ entries, but the node published a signed checkpoint of \d+ entries/,
  );
  expect(bad.stdout).toMatch(/OK: .*ingest-2: /);
  const json = JSON.parse(cli('verify', ...dirs, ...storeArgs, '--json').stdout) as Array<{
    ok: boolean;
    published: { ok: boolean };
  }>;
  expect(json.map((r) => [r.ok, r.published.ok])).toEqual([
    [true, false],
    [true, true],
  ]);
}, 120_000);
