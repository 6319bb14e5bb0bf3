/**
 * The spool in a real `witness serve`: the store is made to refuse writes mid-load (the test-only
 * WITNESS_FAULT_STORE hook: the embedded DuckDB cannot be stopped on its own), the clients keep
 * sending, the node is killed with SIGKILL while spooling and restarted, and when the store is back
 * every span answered 200 is in it exactly once, and audited exactly once. A second node with a tiny
 * spool shows the only refusal: 503 + Retry-After once the spool is full.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, expect, it } from 'vitest';
import { agentBatch } from './helpers/agent-batch.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const CLIENTS = 3;
const SPANS_PER_BATCH = 20;
const scratch = mkdtempSync(join(tmpdir(), 'witness-spool-e2e-'));
const running: WitnessProcess[] = [];

afterAll(async () => {
  for (const w of running)
    if (w.child.exitCode === null && w.child.signalCode === null) await w.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** One batch = one trace: a tool call (audited) under an agent span, then LLM calls. */
const batch = (pad = 0) =>
  agentBatch('spool-e2e', {
    spans: SPANS_PER_BATCH,
    child: (i) =>
      i === 1
        ? {
            name: 'execute_tool refund',
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': 'refund',
              pad: 'x'.repeat(pad),
            },
          }
        : {
            name: `chat gpt-4o #${i}`,
            attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100 + i },
          },
  });

async function send(url: string, body: Uint8Array): Promise<Response> {
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  });
  await res.arrayBuffer();
  return res;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

/** Clients sending until told to stop; acknowledged trace ids are collected. */
function load(url: () => string, acked: string[], refused: number[]) {
  let stop = false;
  let other = 0;
  const client = async () => {
    while (!stop) {
      const b = batch();
      try {
        const res = await send(url(), b.body);
        if (res.status === 200) acked.push(b.traceId);
        else refused.push(res.status);
      } catch {
        other++; // the node died under the request: not acknowledged
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  return {
    async stop() {
      stop = true;
      await Promise.all(clients);
      return other;
    },
  };
}

const until = async (what: () => Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
};

it('store refuses mid-load, node killed -9 while spooling: every acknowledged span is stored once', async () => {
  const dataDir = join(scratch, 'node');
  const fault = join(scratch, 'fault');
  writeFileSync(fault, 'up');
  const env = { WITNESS_FAULT_STORE: fault };
  let node = await startWitness({ dataDir, env });
  running.push(node);
  const acked: string[] = [];
  const refused: number[] = [];
  const traffic = load(() => node.url, acked, refused);

  // steady load into the store, then the store goes away; the clients keep sending
  await until(async () => acked.length >= 30);
  const beforeOutage = acked.length;
  writeFileSync(fault, 'refuse');
  await until(async () => (await metric(node.url, 'witness_spool_batches')) >= 30);
  const spooledBefore = await metric(node.url, 'witness_spool_batches');
  // kill -9 while spooling: requests are in flight, some acknowledged from the spool only
  await node.kill('SIGKILL');
  const crashedAt = acked.length;

  node = await startWitness({ dataDir, env });
  running.push(node);
  // the store still refuses: what the dead node acknowledged waits in the spool, and more joins it
  expect(await metric(node.url, 'witness_spool_batches')).toBeGreaterThanOrEqual(spooledBefore);
  await until(async () => acked.length >= crashedAt + 20);
  expect(await metric(node.url, 'witness_spool_oldest_age_seconds')).toBeGreaterThan(0);
  const spot = acked[acked.length - 1];
  expect((await fetch(`${node.url}/api/traces/${spot}`)).status).toBe(404); // acknowledged, not stored yet

  // the store comes back while the load goes on
  writeFileSync(fault, 'up');
  await new Promise((r) => setTimeout(r, 500));
  const unacked = await traffic.stop();
  // the spool never filled: no request was refused, only cut by the kill (connection errors)
  expect(refused).toEqual([]);
  await until(async () => (await metric(node.url, 'witness_spool_batches')) === 0);
  expect(await metric(node.url, 'witness_spool_replayed_total')).toBeGreaterThan(0);
  console.log(
    `spool e2e: ${acked.length} batches acknowledged (${beforeOutage} before the outage, ${acked.length - beforeOutage} during and after it, ${crashedAt} before kill -9), ${unacked} requests cut by the kill or sent while the node restarted`,
  );

  const problems: string[] = [];
  for (const traceId of acked) {
    const res = await fetch(`${node.url}/api/traces/${traceId}`);
    if (res.status !== 200) {
      problems.push(`${traceId}: ${res.status}`);
      continue;
    }
    const spans = ((await res.json()) as TraceJson).spans;
    const ids = new Set(spans.map((s) => s.spanId));
    if (spans.length !== SPANS_PER_BATCH || ids.size !== SPANS_PER_BATCH)
      problems.push(`${traceId}: ${spans.length} spans, ${ids.size} distinct`);
  }
  expect(problems).toEqual([]);

  // audited once per acknowledged tool call (at acceptance: before the crash for what was spooled then)
  const auditedTraces = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const page = (await (
      await fetch(`${node.url}/api/audit?type=tool.call&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as { entries: Array<{ traceId: string }>; nextCursor: string | null };
    for (const e of page.entries) auditedTraces.set(e.traceId, (auditedTraces.get(e.traceId) ?? 0) + 1);
    cursor = page.nextCursor;
  } while (cursor);
  expect(acked.filter((t) => auditedTraces.get(t) !== 1)).toEqual([]);
  await node.stop();
}, 180_000);

it('answers 503 + Retry-After only once the spool is full', async () => {
  const fault = join(scratch, 'fault-full');
  writeFileSync(fault, 'refuse');
  const node = await startWitness({
    env: {
      WITNESS_FAULT_STORE: fault,
      WITNESS_SPOOL_MAX_BYTES: String(1024 * 1024),
      WITNESS_SPOOL_RETRY_AFTER_SECONDS: '9',
    },
  });
  running.push(node);
  const statuses: number[] = [];
  let refusal: Response | null = null;
  for (let i = 0; i < 40 && !refusal; i++) {
    const res = await send(node.url, batch(100_000).body);
    statuses.push(res.status);
    if (res.status !== 200) refusal = res;
  }
  expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
  expect(statuses.length).toBeGreaterThan(3);
  expect(refusal?.status).toBe(503);
  expect(refusal?.headers.get('retry-after')).toBe('9');
  expect(await metric(node.url, 'witness_spool_refused_total')).toBe(1);
  // the store is back: the spool drains and batches are taken again
  writeFileSync(fault, 'up');
  await until(async () => (await metric(node.url, 'witness_spool_batches')) === 0);
  expect((await send(node.url, batch(100_000).body)).status).toBe(200);
  await node.stop();
}, 120_000);
