/**
 * The data dir made read-only.
 * - chmod -R a-w while serving (the server run unprivileged so the mode holds; root ignores it,
 *   test/helpers/unprivileged.ts): Witness writes only files it already holds open, so it keeps
 *   serving and acknowledging, and nothing is lost; the next start is refused with a message naming
 *   the directory and what to do, and once the mode is fixed it starts and everything is there.
 * - The filesystem remounted read-only (a tmpfs in a private mount namespace, test/helpers/small-fs.ts;
 *   real EROFS): the start is refused naming EROFS and what to do; remounted read-write, it starts.
 *   Linux refuses `remount,ro` while a process holds files open for writing ("mount point is busy"),
 *   so a read-only remount *under* a running server cannot be made here; the kernel's own forced one
 *   (ext4 errors=remount-ro) fails every write as disk-full does, down the same refusal path
 *   (503 + Retry-After naming the errno; test/chaos/disk-full.e2e.test.ts, storage-errors.test.ts).
 * - A disk turned read-only under the running server, by the test-only hook (WITNESS_FAULT_FILE
 *   `write-error EROFS`: every audit group write fails with EROFS; DuckDB's own writes are not
 *   touched): ingest answers 503 + Retry-After naming EROFS, the metric counts it, reads keep working,
 *   and ingest resumes when the hook is removed; nothing acknowledged is lost, the log verifies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditVerify,
  missingOrBroken,
  scrape,
  metricValue,
  send,
  traceBatch,
} from '../helpers/chaos-traffic.js';
import { type SmallFs, smallFs, smallFsUnavailable } from '../helpers/small-fs.js';
import { giveToUnprivileged, unprivilegedPrefix } from '../helpers/unprivileged.js';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const unavailable = smallFsUnavailable();
const skip = unavailable !== null && process.env.CI !== 'true';
const running: WitnessProcess[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'witness-ro-'));
let fs: SmallFs | null = null;

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  await fs?.close();
  spawnSync('chmod', ['-R', 'u+w', tmp]);
  rmSync(tmp, { recursive: true, force: true });
});

const ingest = async (w: WitnessProcess, n: number, acked: string[]) => {
  for (let i = 0; i < n; i++) {
    const b = traceBatch('read-only-e2e');
    const a = await send(w.url, b.body);
    expect(a?.status, a?.text).toBe(200);
    acked.push(b.traceId);
  }
};

const startRefused = (dataDir: string, prefix: string[]) =>
  startWitness({ dataDir, prefix }).then(
    (x) => {
      running.push(x);
      return 'started';
    },
    (err: Error) => err.message,
  );

it('chmod -R a-w while serving: keeps serving what it holds open, the next start says what to do', async () => {
  const dataDir = join(tmp, 'data');
  giveToUnprivileged(tmp);
  const acked: string[] = [];
  let w = await startWitness({ dataDir, prefix: unprivilegedPrefix });
  running.push(w);
  await ingest(w, 10, acked);
  expect(spawnSync('chmod', ['-R', 'a-w', dataDir]).status).toBe(0);
  await ingest(w, 30, acked);
  const cp = await fetch(`${w.url}/api/audit/checkpoints`, { method: 'POST' });
  expect(cp.status).toBe(201);
  const metrics = await scrape(w.url);
  expect(metricValue(metrics, 'witness_storage_write_errors_total')).toBe(0);
  await w.stop();
  expect(w.child.exitCode, w.stderr().slice(-1500)).toBe(0);

  const message = await startRefused(dataDir, unprivilegedPrefix);
  expect(message).toMatch(
    /cannot write the data directory \S+: Witness may not write its data directory \(EACCES\): give the user running it write access/,
  );
  expect(spawnSync('chmod', ['-R', 'u+w', dataDir]).status).toBe(0);
  w = await startWitness({ dataDir, prefix: unprivilegedPrefix });
  running.push(w);
  const wrong = await missingOrBroken(w.url, acked);
  console.log(
    `read-only (chmod) while serving: ${acked.length} batches acknowledged (30 after the chmod), ${wrong.length} missing; restart refused: "${message
      .split('\n')
      .find((l) => l.includes('cannot write'))
      ?.slice(0, 140)}…"`,
  );
  expect(wrong).toEqual([]);
  await w.stop();
  const verify = auditVerify(dataDir);
  expect(verify.ok, verify.out).toBe(true);
}, 120_000);

describe.skipIf(skip)(`filesystem remounted read-only${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('refuses to start naming EROFS, starts again once read-write, nothing lost', async () => {
    if (unavailable) throw new Error(unavailable);
    fs = await smallFs(64 * 1024 * 1024);
    const dataDir = `${fs.mountPoint}/data`;
    const acked: string[] = [];
    const w = await startWitness({ dataDir, prefix: fs.prefix });
    running.push(w);
    await ingest(w, 20, acked);
    // busy while the server holds files open for writing: Linux refuses a read-only remount then
    expect(() => fs?.exec(['mount', '-o', 'remount,ro', fs.mountPoint])).toThrow(/busy/);
    await w.stop();
    fs.exec(['mount', '-o', 'remount,ro', fs.mountPoint]);
    const message = await startRefused(dataDir, fs.prefix);
    expect(message).toMatch(
      /cannot write the data directory \S+: the data directory is on a read-only filesystem \(EROFS\): check the disk and remount it read-write/,
    );
    fs.exec(['mount', '-o', 'remount,rw', fs.mountPoint]);
    const again = await startWitness({ dataDir, prefix: fs.prefix });
    running.push(again);
    expect(await missingOrBroken(again.url, acked)).toEqual([]);
    await again.stop();
    const verify = auditVerify(`${fs.outside}/data`);
    expect(verify.ok, verify.out).toBe(true);
  }, 120_000);
});

it('a disk turned read-only under the running server (hook): 503 naming EROFS, resumes when writable', async () => {
  const dataDir = join(tmp, 'hooked');
  const faultFile = join(tmp, 'faults');
  writeFileSync(faultFile, '');
  const w = await startWitness({ dataDir, env: { WITNESS_FAULT_FILE: faultFile } });
  running.push(w);
  const acked: string[] = [];
  await ingest(w, 10, acked);
  writeFileSync(faultFile, 'write-error EROFS\n');
  await new Promise((r) => setTimeout(r, 100)); // re-read every 50 ms
  const refused: Answer[] = [];
  for (let i = 0; i < 10; i++) {
    const b = traceBatch('read-only-e2e');
    const a = await send(w.url, b.body);
    if (a?.status === 200) acked.push(b.traceId);
    else if (a) refused.push(a);
  }
  const metrics = await scrape(w.url);
  const read = await fetch(`${w.url}/api/traces/${acked[0]}`);
  expect(read.status).toBe(200);
  await read.arrayBuffer();
  writeFileSync(faultFile, '');
  await new Promise((r) => setTimeout(r, 1100)); // the audit writer retries its recovery once a second
  await ingest(w, 10, acked);

  expect(refused).toHaveLength(10);
  for (const a of refused) {
    expect(a.status).toBe(503);
    expect(a.retryAfter).toBe('30');
    expect(a.text).toMatch(/read-only filesystem \(EROFS\)/);
  }
  expect(metricValue(metrics, 'witness_storage_write_errors_total', 'errno="EROFS"', 'writer="ingest"')).toBe(
    10,
  );
  expect(await missingOrBroken(w.url, acked)).toEqual([]);
  await w.stop();
  const verify = auditVerify(dataDir);
  expect(verify.ok, verify.out).toBe(true);
  console.log(
    `read-only (hook) while serving: ${refused.length} of 10 refused with 503 naming EROFS; ${acked.length} acknowledged, none missing`,
  );
}, 60_000);
