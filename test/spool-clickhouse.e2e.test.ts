/**
 * The spool with ClickHouse as the store, the variant the issue asks for: the ClickHouse server
 * process (a real engine: chdb behind its HTTP shim) is killed with SIGKILL mid-load while the clients
 * keep sending to the ingest node; every request answered 200 meanwhile is spooled; ClickHouse is
 * restarted on its data directory and every acknowledged span is in it exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ChdbServer, startChdbServer } from '../packages/server/src/store/clickhouse/test-chdb.js';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const SPANS_PER_BATCH = 10;
const root = mkdtempSync(join(tmpdir(), 'witness-spool-ch-'));
let chdb: ChdbServer | null = null;
let node: WitnessProcess | null = null;
afterAll(async () => {
  await node?.stop().catch(() => node?.kill('SIGKILL'));
  await chdb?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function batch(): { traceId: string; body: Uint8Array } {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans: SpanInput[] = Array.from({ length: SPANS_PER_BATCH }, (_, i) => ({
    traceId,
    spanId: newSpanId(),
    name: `chat gpt-4o #${i}`,
    startNs: now + BigInt(i) * 1000n,
    endNs: now + BigInt(i) * 1000n + 5_000_000n,
    attributes: { 'gen_ai.request.model': 'gpt-4o' },
  }));
  return { traceId, body: encodeTraces('spool-ch-e2e', spans) };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

const until = async (what: () => Promise<boolean>, label: string, ms = 90_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `not met in time: ${label}\n${node
      ?.stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        const j = JSON.parse(l);
        return `${j.time} ${j.msg} ${j.err?.message ?? ''}`;
      })
      .slice(-40)
      .join('\n')}`,
  );
};

it('ClickHouse killed mid-load: acknowledged batches are spooled and stored once when it is back', async () => {
  const chDir = join(root, 'clickhouse');
  chdb = await startChdbServer({ dataDir: chDir });
  const file = join(root, 'witness.yaml');
  const storeConfig = (url: string) =>
    writeFileSync(
      file,
      stringify({
        logLevel: 'warn',
        store: { engine: 'clickhouse', clickhouse: { url, database: 'witness_spool' } },
        // a dead server answers nothing: give up on a write after 5 s and spool it
        spool: { storeTimeoutMs: 5000, replayRetryMs: 200 },
      }),
    );
  storeConfig(chdb.url);
  node = await startWitness({
    args: ['--target', 'ingest', '--config', file],
    dataDir: join(root, 'ingest'),
    startTimeoutMs: 90_000,
  });
  const url = node.url;
  const acked: string[] = [];
  const refused: number[] = [];
  let stop = false;
  const client = async () => {
    while (!stop) {
      const b = batch();
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        body: b.body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      await res.arrayBuffer();
      if (res.status === 200) acked.push(b.traceId);
      else refused.push(res.status);
      await new Promise((r) => setTimeout(r, 25)); // a steady load, not a flood: the check reads each trace back
    }
  };
  const clients = [client(), client()].map((c) => c.catch(() => {}));
  await until(async () => acked.length >= 20, 'load before the kill');
  const port = Number(new URL(chdb.url).port);
  await chdb.kill('SIGKILL'); // the database process dies mid-load
  const before = acked.length;
  await until(async () => (await metric(url, 'witness_spool_batches')) >= 10, 'spooling');
  await until(async () => acked.length >= before + 20, 'acks while down');
  // ClickHouse comes back on its data directory and port; the spool drains into it
  chdb = await startChdbServer({ dataDir: chDir, port });
  // a few seconds of load beside the replay, then the clients stop: left running until the spool is
  // empty, they made the drain (and the read-back below) as long as the machine was slow — 3,963
  // batches and a 300 s timeout in a loaded clean-clone run
  await new Promise((r) => setTimeout(r, 3000));
  stop = true;
  await Promise.all(clients);
  await until(async () => (await metric(url, 'witness_spool_batches')) === 0, 'drained', 180_000);
  expect(refused).toEqual([]);
  expect(await metric(url, 'witness_spool_replayed_total')).toBeGreaterThan(0);
  console.log(`spool/clickhouse: ${acked.length} batches acknowledged (${before} before the kill)`);

  // read back through a query node over the same ClickHouse
  const query = await startWitness({
    args: ['--target', 'query', '--config', file],
    dataDir: join(root, 'query'),
    startTimeoutMs: 90_000,
  });
  try {
    const problems: string[] = [];
    const check = async (traceId: string) => {
      const res = await fetch(`${query.url}/api/traces/${traceId}`);
      if (res.status !== 200) {
        problems.push(`${traceId}: ${res.status}`);
        return;
      }
      const spans = ((await res.json()) as TraceJson).spans;
      if (spans.length !== SPANS_PER_BATCH || new Set(spans.map((s) => s.spanId)).size !== SPANS_PER_BATCH)
        problems.push(`${traceId}: ${spans.length} spans`);
    };
    // four readers: every acknowledged trace is read back, without one request at a time
    let next = 0;
    const reader = async () => {
      while (next < acked.length) await check(acked[next++]!);
    };
    await Promise.all([reader(), reader(), reader(), reader()]);
    expect(problems).toEqual([]);
  } finally {
    await query.stop();
  }
}, 300_000);
