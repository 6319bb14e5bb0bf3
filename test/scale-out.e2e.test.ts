/**
 * Several Witness nodes over one ClickHouse (a real engine: chdb behind its HTTP shim, through
 * @clickhouse/client): two `--target ingest` nodes and two `--target query` nodes, real processes.
 * Traces written through both ingest nodes are listed by the query nodes; the derived metrics of the
 * two ingest nodes (each with its `node` label) sum to what was sent; a threshold alert, evaluated by
 * whichever query node holds the evaluator lease, notifies exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ChdbServer, startChdbServer } from '../packages/server/src/store/clickhouse/test-chdb.js';
import { type AlertReceiver, type Received, startAlertReceiver } from './helpers/alert-receiver.js';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const SECRET = 'scale-out-webhook-secret-0123456789';
const SPANS_PER_TRACE = 3;
const root = mkdtempSync(join(tmpdir(), 'witness-scale-out-'));
let chdb: ChdbServer;
let receiver: AlertReceiver;
const nodes: WitnessProcess[] = [];

beforeAll(async () => {
  chdb = await startChdbServer();
  receiver = await startAlertReceiver();
});
afterAll(async () => {
  for (const n of nodes) await n.stop().catch(() => n.kill('SIGKILL'));
  await receiver?.close();
  await chdb?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

function config(): string {
  const file = join(root, 'witness.yaml');
  writeFileSync(
    file,
    stringify({
      logLevel: 'warn',
      store: { engine: 'clickhouse', clickhouse: { url: chdb.url, database: 'witness_scale_out' } },
      alerts: {
        evaluationInterval: '1s',
        route: { receiver: 'ops', groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' },
        receivers: [
          { type: 'webhook', name: 'ops', url: `${receiver.url}/hook`, secret: { env: 'HOOK_SECRET' } },
        ],
        rules: [
          {
            kind: 'threshold',
            name: 'ScaleOutSlow',
            query: { metric: 'p95', service: 'scale-out' },
            window: '5m',
            op: '>',
            threshold: 1000,
            labels: { severity: 'ticket' },
          },
        ],
      },
    }),
  );
  return file;
}

/** One trace of SPANS_PER_TRACE slow spans (2.5 s each), as one OTLP request. */
function trace(): { traceId: string; body: Uint8Array } {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans: SpanInput[] = Array.from({ length: SPANS_PER_TRACE }, (_, i) => ({
    traceId,
    spanId: newSpanId(),
    name: `step ${i}`,
    startNs: now + BigInt(i) * 1000n,
    endNs: now + BigInt(i) * 1000n + 2_500_000_000n,
    attributes: {},
  }));
  return { traceId, body: encodeTraces('scale-out', spans) };
}

const firing = (r: Received) =>
  (r.body as { alerts?: Array<{ labels: Record<string, string>; status: string }> }).alerts?.some(
    (a) => a.labels.alertname === 'ScaleOutSlow' && a.status === 'firing',
  ) === true;

it('two ingest and two query nodes over one ClickHouse: traces, summed metrics, one notification', async () => {
  const file = config();
  const start = async (name: string, target: 'ingest' | 'query') => {
    const node = await startWitness({
      args: ['--target', target, '--config', file],
      dataDir: join(root, name),
      env: { WITNESS_SERVER_NODE_NAME: name, HOOK_SECRET: SECRET },
      startTimeoutMs: 90_000,
    });
    nodes.push(node);
    return node;
  };
  // one node first: it creates the database and runs the migrations; the others find them done
  const ingest1 = await start('ingest-1', 'ingest');
  const [ingest2, query1, query2] = await Promise.all([
    start('ingest-2', 'ingest'),
    start('query-1', 'query'),
    start('query-2', 'query'),
  ]);

  const sent: string[] = [];
  for (let i = 0; i < 20; i++) {
    const t = trace();
    const via = i % 2 === 0 ? ingest1 : ingest2;
    const res = await fetch(`${via.url}/v1/traces`, {
      method: 'POST',
      body: t.body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    sent.push(t.traceId);
  }

  // listed by each query node, whichever ingest node took them
  for (const q of [query1, query2]) {
    const listed = (await (await fetch(`${q.url}/api/traces?service=scale-out&limit=1000`)).json()) as {
      items: Array<{ traceId: string }>;
    };
    expect(listed.items.map((t) => t.traceId).sort()).toEqual([...sent].sort());
    const one = (await (await fetch(`${q.url}/api/traces/${sent[1]}`)).json()) as { spans: unknown[] };
    expect(one.spans).toHaveLength(SPANS_PER_TRACE);
  }

  // derived metrics: one series per ingest node, summing to what was sent
  let total = 0;
  for (const [node, name] of [
    [ingest1, 'ingest-1'],
    [ingest2, 'ingest-2'],
  ] as const) {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const lines = text
      .split('\n')
      .filter((l) => l.startsWith('witness_spans_total{') && l.includes('service="scale-out"'));
    expect(lines.length, name).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toContain(`node="${name}"`);
      total += Number(l.split(' ').pop());
    }
    // query nodes ingest nothing and serve no OTLP
    expect(text).toContain('witness_spool_batches 0');
  }
  expect(total).toBe(sent.length * SPANS_PER_TRACE);

  // one alert, evaluated by one query node, notified once
  await receiver.waitFor(firing, 90_000);
  await new Promise((r) => setTimeout(r, 6000)); // several more evaluation rounds on both query nodes
  expect(receiver.received.filter(firing)).toHaveLength(1);
  // the alert exists on exactly one query node: the lease holder evaluated, the other did not
  const holders = [];
  for (const q of [query1, query2])
    if ((await (await fetch(`${q.url}/api/alerts`)).text()).includes('ScaleOutSlow')) holders.push(q);
  expect(holders).toHaveLength(1);
}, 300_000);
