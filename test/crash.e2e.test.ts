/**
 * Nothing acknowledged is lost: kill -9 the server in the middle of a steady load from concurrent
 * clients, restart it on the same data directory, and find every span whose request was answered 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, expect, it } from 'vitest';
import { agentBatch } from './helpers/agent-batch.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const CLIENTS = 4;
const SPANS_PER_BATCH = 50;
const dataDir = mkdtempSync(join(tmpdir(), 'witness-crash-'));
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running) await w.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** One batch = one trace of SPANS_PER_BATCH spans, so a trace read back whole proves the batch. */
const batch = () =>
  agentBatch('crash-e2e', {
    spans: SPANS_PER_BATCH,
    child: (i) => ({
      name: `chat gpt-4o #${i}`,
      attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100 + i },
    }),
  });

it('keeps every acknowledged span across kill -9', async () => {
  const first = await startWitness({ dataDir });
  running.push(first);
  const acked: string[] = [];
  let failed = 0;
  let stop = false;

  const client = async () => {
    while (!stop) {
      const b = batch();
      try {
        const res = await fetch(`${first.url}/v1/traces`, {
          method: 'POST',
          body: b.body,
          headers: { 'content-type': 'application/x-protobuf' },
        });
        await res.arrayBuffer();
        if (res.status === 200) acked.push(b.traceId);
        else failed++;
      } catch {
        failed++; // the connection died with the server: not acknowledged, may or may not be stored
        return;
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);

  // Steady load first, then the crash while requests are in flight.
  while (acked.length < 60) await new Promise((r) => setTimeout(r, 20));
  const exit = await first.kill('SIGKILL');
  stop = true;
  await Promise.all(clients);
  expect(exit).toBeNull(); // killed by the signal, no graceful exit code
  expect(acked.length).toBeGreaterThanOrEqual(60);
  console.log(`crash: ${acked.length} batches acknowledged before kill -9, ${failed} not acknowledged`);

  const second = await startWitness({ dataDir });
  running.push(second);
  const missing: string[] = [];
  for (const traceId of acked) {
    const res = await fetch(`${second.url}/api/traces/${traceId}`);
    if (res.status !== 200) {
      missing.push(traceId);
      continue;
    }
    const trace = (await res.json()) as TraceJson;
    if (trace.spans.length !== SPANS_PER_BATCH) missing.push(`${traceId} (${trace.spans.length} spans)`);
  }
  expect(missing).toEqual([]);
  await second.stop();
});
