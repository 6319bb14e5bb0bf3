/**
 * The disk fills up under ingest, then space comes back. A real small filesystem (a 48 MiB tmpfs in a
 * private mount namespace, test/helpers/small-fs.ts) holds the data dir; a ballast file fills it, so
 * DuckDB's WAL, the audit log and the spool get real ENOSPC from the kernel. What must hold:
 * - ingest refuses with 503 + Retry-After naming the cause (OTLP exporters retry 503, not 507);
 * - nothing acknowledged is lost: after a restart every batch answered 200 is stored whole, once;
 * - the audit log verifies (`witness audit verify`);
 * - service resumes by itself once space returns (no restart);
 * - witness_storage_write_errors_total{errno="ENOSPC"} counts it (the WitnessStorageWriteFailing alert).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  auditVerify,
  metricValue,
  missingOrBroken,
  scrape,
  send,
  traceBatch,
} from '../helpers/chaos-traffic.js';
import { type SmallFs, smallFs, smallFsUnavailable } from '../helpers/small-fs.js';
import { startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const unavailable = smallFsUnavailable();
const skip = unavailable !== null && process.env.CI !== 'true';
const running: WitnessProcess[] = [];
let fs: SmallFs | null = null;

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  await fs?.close();
});

describe.skipIf(skip)(`disk full${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('refuses with 503 + Retry-After, loses nothing acknowledged, verifies, and resumes when space returns', async () => {
    if (unavailable) throw new Error(unavailable);
    fs = await smallFs(48 * 1024 * 1024);
    const dataDir = `${fs.mountPoint}/data`;
    const w = await startWitness({ dataDir, prefix: fs.prefix });
    running.push(w);

    const acked: string[] = [];
    const refused: Answer[] = [];
    let phase: 'before' | 'full' | 'after' = 'before';
    const ackedIn = { before: 0, full: 0, after: 0 };
    let stop = false;
    const client = async () => {
      while (!stop) {
        const b = traceBatch('disk-full-e2e', 4000);
        const at = phase;
        const a = await send(w.url, b.body);
        if (a?.status === 200) {
          acked.push(b.traceId);
          ackedIn[at]++;
        } else if (a) refused.push(a);
        else throw new Error('connection failed: the server should keep serving with a full disk');
        // a refused client waits a little (not the full Retry-After: the test wants to see the recovery)
        if (a.status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const clients = Array.from({ length: 3 }, client);
    const waitFor = async (what: string, cond: () => boolean, ms = 30_000) => {
      const until = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${what}; server log:\n${w.stderr().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    await waitFor('30 batches acknowledged', () => acked.length >= 30);
    // Fill the filesystem from outside the server, as another process would.
    phase = 'full';
    const ballast = `${fs.outside}/ballast`;
    writeFileSync(ballast, Buffer.alloc(Math.max(0, fs.freeBytes() - 128 * 1024)));
    await waitFor('40 refusals while the disk is full', () => refused.length >= 40);
    const fullMetrics = await scrape(w.url);
    // still serving reads with a full disk
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
    const read = await fetch(`${w.url}/api/traces/${acked[0]}`);
    expect(read.status).toBe(200);
    await read.arrayBuffer();

    // Space comes back: ingest resumes by itself.
    rmSync(ballast);
    phase = 'after';
    const resumedFrom = Date.now();
    await waitFor('30 batches acknowledged after space returned', () => ackedIn.after >= 30, 60_000);
    const resumeMs = Date.now() - resumedFrom;
    stop = true;
    await Promise.all(clients);

    // Every refusal is a retryable 503 with Retry-After; the disk-full ones name the cause.
    const statuses = new Set(refused.map((a) => a.status));
    expect([...statuses]).toEqual([503]);
    expect(refused.every((a) => a.retryAfter !== null && Number(a.retryAfter) >= 1)).toBe(true);
    const named = refused.filter((a) => /no space left \(ENOSPC\)/.test(a.text));
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((a) => a.retryAfter === '30')).toBe(true);
    expect(metricValue(fullMetrics, 'witness_storage_write_errors_total', 'errno="ENOSPC"')).toBeGreaterThan(
      0,
    );

    // After a graceful restart every acknowledged batch is there, whole and once.
    await w.stop();
    const again = await startWitness({ dataDir, prefix: fs.prefix });
    running.push(again);
    const wrong = await missingOrBroken(again.url, acked);
    console.log(
      `disk full: ${ackedIn.before} batches acknowledged before, ${ackedIn.full} while filling/full, ${ackedIn.after} after; ` +
        `${refused.length} refused (${named.length} naming ENOSPC); ingest resumed ${resumeMs} ms after space returned; ` +
        `${wrong.length} acknowledged batches missing or broken; write errors counted: ` +
        `ingest ${metricValue(fullMetrics, 'witness_storage_write_errors_total', 'writer="ingest"')}, ` +
        `audit ${metricValue(fullMetrics, 'witness_storage_write_errors_total', 'writer="audit"')}`,
    );
    expect(wrong).toEqual([]);
    await again.stop();
    const verify = auditVerify(`${fs.outside}/data`);
    expect(verify.ok, verify.out).toBe(true);
  }, 180_000);
});
