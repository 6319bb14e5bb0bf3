/**
 * `witness backup` of a server under ingest, `witness restore` into a fresh dir: the restore verifies
 * the audit log and the span counts against the manifest, a server starts on the restored dir, and
 * every batch acknowledged before the backup began is in it, whole.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, expect, it } from 'vitest';
import { agentBatch } from '../helpers/agent-batch.js';
import { CLI_MAIN, startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const SPANS_PER_BATCH = 20;
const root = mkdtempSync(join(tmpdir(), 'witness-backup-'));
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const batch = () => agentBatch('backup-e2e', { spans: SPANS_PER_BATCH });

const cli = (args: string[]) => spawnSync(process.execPath, [CLI_MAIN, ...args], { encoding: 'utf8' });

it('backs up a server under ingest and restores it, verified', async () => {
  const source = await startWitness({ dataDir: join(root, 'source') });
  running.push(source);
  const acked: string[] = [];
  let stop = false;
  const client = async () => {
    while (!stop) {
      const b = batch();
      try {
        const res = await fetch(`${source.url}/v1/traces`, {
          method: 'POST',
          body: b.body,
          headers: { 'content-type': 'application/x-protobuf' },
        });
        await res.arrayBuffer();
        if (res.status === 200) acked.push(b.traceId);
      } catch {
        return; // the server went away (a failed assertion stops it): not acknowledged
      }
    }
  };
  const clients = Array.from({ length: 3 }, client);
  while (acked.length < 40) await new Promise((r) => setTimeout(r, 20));

  const archive = join(root, 'witness.tar.gz');
  const before = acked.slice(); // acknowledged before the backup was asked for
  const backup = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    // async: ingest goes on while the backup runs
    execFile(
      process.execPath,
      [CLI_MAIN, 'backup', '--out', archive, '--url', source.url],
      (err, stdout, stderr) => done({ status: err ? 1 : 0, stdout, stderr }),
    );
  });
  const during = acked.length - before.length;
  stop = true;
  await Promise.all(clients);
  expect(backup.stderr, backup.stderr).toBe('');
  expect(backup.status).toBe(0);
  expect(backup.stdout).toMatch(/^wrote .*: \d+ spans, audit log of \d+ entries/);
  expect(statSync(archive).mode & 0o077).toBe(0); // holds the signing key: owner only
  await source.stop();

  // a non-empty target is refused before anything is written
  const busy = join(root, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'x'), 'x');
  const refused = cli(['restore', '--from', archive, '--data-dir', busy]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('not empty');

  const target = join(root, 'restored');
  const restored = cli(['restore', '--from', archive, '--data-dir', target, '--json']);
  expect(restored.stderr).toBe('');
  expect(restored.status).toBe(0);
  const report = JSON.parse(restored.stdout) as {
    ok: boolean;
    store: { spans: number };
    audit: { entries: number; rootHash: string };
    manifest: { store: { spans: number }; audit: { size: number; rootHash: string }; files: unknown[] };
  };
  expect(report.ok).toBe(true);
  expect(report.store.spans).toBe(report.manifest.store.spans);
  expect(report.audit.entries).toBe(report.manifest.audit.size);
  expect(report.audit.rootHash).toBe(report.manifest.audit.rootHash);
  // every batch acknowledged before the backup is in it; batches acknowledged during it may be
  expect(report.store.spans).toBeGreaterThanOrEqual(before.length * SPANS_PER_BATCH);
  expect(report.store.spans % SPANS_PER_BATCH).toBe(0); // whole batches only
  console.log(
    `backup: ${before.length} batches acknowledged before, ${during} during; archive holds ${report.store.spans} spans, audit size ${report.audit.entries}`,
  );

  const human = cli(['restore', '--from', archive, '--data-dir', join(root, 'again')]);
  expect(human.stdout).toMatch(/restored \d+ files into .*: \d+ spans .*audit log verifies: \d+ entries/);

  const second = await startWitness({ dataDir: target });
  running.push(second);
  const missing: string[] = [];
  for (const traceId of before) {
    const res = await fetch(`${second.url}/api/traces/${traceId}`);
    if (res.status !== 200) missing.push(traceId);
    else if (((await res.json()) as TraceJson).spans.length !== SPANS_PER_BATCH)
      missing.push(`${traceId} (partial)`);
  }
  expect(missing).toEqual([]);
  await second.stop();
  const verify = cli(['audit', 'verify', '-d', target]);
  expect(verify.stdout).toMatch(/^OK: /);
  expect(verify.status).toBe(0);
}, 120_000);
