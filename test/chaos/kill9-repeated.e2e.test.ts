/**
 * kill -9 under load, three times on the same data dir: after the last restart every batch that was
 * ever acknowledged is there exactly once (each span id once, the batch whole), and the audit log
 * verifies. What a user sees: failed connections while the node is down, nothing acknowledged lost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, expect, it } from 'vitest';
import { agentBatch } from '../helpers/agent-batch.js';
import { CLI_MAIN, startWitness, type WitnessProcess } from '../helpers/witness-process.js';

const SPANS_PER_BATCH = 20;
const ROUNDS = 3;
const dataDir = mkdtempSync(join(tmpdir(), 'witness-kill9-'));
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const batch = () =>
  agentBatch('kill9-e2e', {
    spans: SPANS_PER_BATCH,
    rootAttributes: {},
    child: (i) => ({ name: `execute_tool search #${i}` }),
  });

it(`keeps every acknowledged span exactly once across ${ROUNDS} kill -9 under load`, async () => {
  const acked: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const w = await startWitness({ dataDir });
    running.push(w);
    let stop = false;
    const start = acked.length;
    const client = async () => {
      while (!stop) {
        const b = batch();
        try {
          const res = await fetch(`${w.url}/v1/traces`, {
            method: 'POST',
            body: b.body,
            headers: { 'content-type': 'application/x-protobuf' },
          });
          await res.arrayBuffer();
          if (res.status === 200) acked.push(b.traceId);
        } catch {
          return; // the connection died with the server: not acknowledged
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    while (acked.length < start + 30) await new Promise((r) => setTimeout(r, 20));
    expect(await w.kill('SIGKILL')).toBeNull();
    stop = true;
    await Promise.all(clients);
  }

  const last = await startWitness({ dataDir });
  running.push(last);
  const wrong: string[] = [];
  for (const traceId of acked) {
    const res = await fetch(`${last.url}/api/traces/${traceId}`);
    if (res.status !== 200) {
      wrong.push(`${traceId} missing`);
      continue;
    }
    const spans = ((await res.json()) as TraceJson).spans;
    const ids = new Set(spans.map((s) => s.spanId));
    if (spans.length !== SPANS_PER_BATCH || ids.size !== SPANS_PER_BATCH)
      wrong.push(`${traceId}: ${spans.length} spans, ${ids.size} distinct`);
  }
  console.log(
    `kill -9 x${ROUNDS}: ${acked.length} batches acknowledged, ${wrong.length} missing or duplicated`,
  );
  expect(wrong).toEqual([]);
  await last.stop();
  const verify = spawnSync(process.execPath, [CLI_MAIN, 'audit', 'verify', '-d', dataDir], {
    encoding: 'utf8',
  });
  expect(verify.stdout, verify.stderr).toMatch(/^OK: /);
  expect(verify.status).toBe(0);
}, 180_000);
