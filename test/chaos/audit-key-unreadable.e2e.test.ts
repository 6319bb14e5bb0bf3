/**
 * The audit signing key made unreadable (chmod 000, the server run as an unprivileged user so the mode
 * holds; test/helpers/unprivileged.ts).
 * - At start: Witness refuses to start, naming the file and what to do (and not to delete it).
 * - While running: the key was read at start and stays in memory, so ingest and signing go on
 *   unchanged; the next start fails with the same message until the mode is fixed, and then the log
 *   verifies with no key change recorded.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { auditVerify, missingOrBroken, send, traceBatch } from '../helpers/chaos-traffic.js';
import { giveToUnprivileged, unprivilegedPrefix } from '../helpers/unprivileged.js';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-key-'));
const dataDir = join(dir, 'data');
const keyFile = join(dataDir, 'keys', 'audit-ed25519.key');
const running: WitnessProcess[] = [];
const UNREADABLE =
  /cannot read the audit signing key \S*audit-ed25519\.key \(EACCES[^)]*\)\. Give the user running Witness.*read access.*Do not delete it/;

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const start = async () => {
  const w = await startWitness({ dataDir, prefix: unprivilegedPrefix });
  running.push(w);
  return w;
};

it('an unreadable key stops the start with a clear message; while running it changes nothing until the next start', async () => {
  giveToUnprivileged(dir);
  const acked: string[] = [];
  const ingest = async (w: WitnessProcess, n: number) => {
    for (let i = 0; i < n; i++) {
      const b = traceBatch('key-e2e');
      const a = await send(w.url, b.body);
      expect(a?.status, a?.text).toBe(200);
      acked.push(b.traceId);
    }
  };
  // first start generates the key
  let w = await start();
  await ingest(w, 5);
  await w.stop();

  // at start: refused, naming the file and what to do
  chmodSync(keyFile, 0o000);
  const auditBefore = readFileSync(join(dataDir, 'audit', 'checkpoints.jsonl'));
  const refused = await startWitness({ dataDir, prefix: unprivilegedPrefix }).then(
    (x) => {
      running.push(x);
      return null;
    },
    (err: Error) => err.message,
  );
  expect(refused).toMatch(UNREADABLE);
  expect(readFileSync(join(dataDir, 'audit', 'checkpoints.jsonl'))).toEqual(auditBefore);

  // while running: the key is in memory; ingest and signing go on
  chmodSync(keyFile, 0o600);
  w = await start();
  await ingest(w, 5);
  chmodSync(keyFile, 0o000);
  await ingest(w, 5);
  const cp = await fetch(`${w.url}/api/audit/checkpoints`, { method: 'POST' });
  expect(cp.status).toBe(201);
  expect(await missingOrBroken(w.url, acked)).toEqual([]);
  await w.stop();
  // … and the next start fails the same way until the mode is fixed
  const again = await startWitness({ dataDir, prefix: unprivilegedPrefix }).then(
    () => null,
    (err: Error) => err.message,
  );
  expect(again).toMatch(UNREADABLE);
  chmodSync(keyFile, 0o600);
  w = await start();
  const entriesOf = async (type: string) =>
    ((await (await fetch(`${w.url}/api/audit?type=${type}`)).json()) as { entries: unknown[] }).entries;
  expect(await entriesOf('key.created')).toHaveLength(1);
  expect(await entriesOf('key.change')).toEqual([]);
  expect(await missingOrBroken(w.url, acked)).toEqual([]);
  await w.stop();
  const verify = auditVerify(dataDir);
  expect(verify.ok, verify.out).toBe(true);
  console.log(
    `audit key unreadable: start refused with "${(refused ?? '')
      .split('\n')
      .find((l) => UNREADABLE.test(l))
      ?.slice(0, 160)}…"; ${acked.length} batches acknowledged`,
  );
}, 120_000);
