/**
 * Multi-node audit: a node publishes its signed checkpoints to the shared store (a real DuckDB file
 * here), and a rollback of its disk to an older copy — which verifies perfectly on its own — is
 * reported against what the store remembers.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuditLog,
  checkAgainstPublished,
  loadPublicKey,
  PUBLIC_KEY_FILE,
  verifyAuditLog,
} from '../audit/index.js';
import { type DuckDbStore, openDuckDbStore } from '../store/duckdb/index.js';
import { CheckpointPublisher } from './checkpoint-publisher.js';

describe('published audit checkpoints', () => {
  let dir: string;
  let store: DuckDbStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'witness-published-'));
    store = await openDuckDbStore({ path: join(dir, 'shared.duckdb'), threads: 1 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const openNode = (name: string) =>
    AuditLog.open({
      dir: join(dir, name, 'audit'),
      keysDir: join(dir, name, 'keys'),
      checkpointIntervalMs: 0,
    });
  const entries = (log: AuditLog, n: number, from = 0) =>
    log.appendMany(
      Array.from({ length: n }, (_, i) => ({
        type: 'tool.call',
        actor: 'agent:planner',
        subject: `refund #${from + i}`,
        details: {},
      })),
    );

  it('a node rolled back to an older copy of its disk is reported; the current disk passes', async () => {
    const log = await openNode('ingest-1');
    const publisher = new CheckpointPublisher({
      node: 'ingest-1',
      latest: () => log.latestCheckpoint(),
      shared: () => store.sharedCheckpoints(),
    });
    await entries(log, 5);
    await log.checkpoint();
    await publisher.publish();
    const first = log.size;
    await log.close();
    // the operator's "backup" of the node's disk, taken now
    cpSync(join(dir, 'ingest-1'), join(dir, 'backup'), { recursive: true });
    const again = await openNode('ingest-1');
    const p2 = new CheckpointPublisher({
      node: 'ingest-1',
      latest: () => again.latestCheckpoint(),
      shared: () => store.sharedCheckpoints(),
    });
    await entries(again, 7, 5);
    await again.checkpoint();
    await p2.publish();
    const second = again.size;
    await again.close();

    const shared = await store.sharedCheckpoints();
    const key = loadPublicKey(join(dir, 'ingest-1', 'keys', PUBLIC_KEY_FILE));
    const auditDir = join(dir, 'ingest-1', 'audit');
    const logId = (await shared.logs())[0].logId;
    const published = await shared.list(logId);
    expect(published.map((c) => c.size)).toEqual([second, first]);
    expect(second).toBeGreaterThanOrEqual(first + 7);
    expect(published[0].node).toBe('ingest-1');
    expect(checkAgainstPublished(auditDir, key, published)).toMatchObject({ ok: true, checked: 2 });

    // roll the node's disk back: on its own the old copy verifies…
    rmSync(join(dir, 'ingest-1'), { recursive: true });
    cpSync(join(dir, 'backup'), join(dir, 'ingest-1'), { recursive: true });
    expect((await verifyAuditLog({ auditDir, publicKey: key, threads: 0 })).ok).toBe(true);
    // …but not against what the node had published
    const report = checkAgainstPublished(auditDir, key, await shared.list(logId));
    expect(report.ok).toBe(false);
    expect(report.problem).toContain(
      `rolled back: the log on disk holds ${first} entries, but the node published a signed checkpoint of ${second} entries`,
    );
  });

  it('a store row not signed by the node, or a rewritten prefix, is reported', async () => {
    const log = await openNode('ingest-2');
    await entries(log, 4);
    const cp = await log.checkpoint();
    await log.close();
    const key = loadPublicKey(join(dir, 'ingest-2', 'keys', PUBLIC_KEY_FILE));
    const auditDir = join(dir, 'ingest-2', 'audit');
    const forged = { ...cp, size: 3, rootHash: '00'.repeat(32) };
    expect(checkAgainstPublished(auditDir, key, [forged]).problem).toMatch(
      /signature is not this node's key/,
    );
    // another log's checkpoints are not this log's business
    expect(checkAgainstPublished(auditDir, key, [{ ...cp, logId: 'someone-else', size: 99 }]).ok).toBe(true);
    expect(checkAgainstPublished(auditDir, key, [cp]).ok).toBe(true);
  });
});
