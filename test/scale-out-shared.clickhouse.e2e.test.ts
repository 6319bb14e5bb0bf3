/**
 * Two `witness serve --target ingest` nodes and one `--target query` node over one ClickHouse
 * (chdb behind its HTTP shim): traces sent to either ingest node, a policy violation found by node B
 * and OTLP metric points sent to node A are all answered by the query node — violations and metric
 * points live in the shared store, not in the DuckDB file of the node that received them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type ChdbServer, startChdbServer } from '../packages/server/src/store/clickhouse/test-chdb.js';
import { encodeTraces, newSpanId, newTraceId } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

// chdb inserts take 0.1-0.6 s each on a loaded machine (see crash.clickhouse.e2e.test.ts)
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let chdb: ChdbServer;
let dir: string;
const nodes: WitnessProcess[] = [];

beforeAll(async () => {
  chdb = await startChdbServer();
  dir = mkdtempSync(join(tmpdir(), 'witness-scale-out-'));
  const config = join(dir, 'witness.yaml');
  writeFileSync(
    config,
    [
      'governance:',
      '  policies:',
      '    - name: no-refunds',
      '      description: refunds need a human',
      '      expression: span.name == "refund"',
      '      severity: high',
      '      action: record',
      '',
    ].join('\n'),
  );
  const env = {
    WITNESS_STORE_ENGINE: 'clickhouse',
    WITNESS_STORE_CLICKHOUSE_URL: chdb.url,
    WITNESS_STORE_CLICKHOUSE_DATABASE: `scale_out_${process.pid}`,
  };
  // one at a time: the first runs the migrations, the others find the schema current
  for (const [name, target] of [
    ['ingest-a', 'ingest'],
    ['ingest-b', 'ingest'],
    ['query-1', 'query'],
  ] as const)
    nodes.push(
      await startWitness({
        dataDir: join(dir, name),
        args: ['--target', target, '--config', config],
        env: { ...env, WITNESS_SERVER_NODE_NAME: name },
      }),
    );
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await chdb?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(node: WitnessProcess, body: Uint8Array): Promise<void> {
  const res = await fetch(`${node.url}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
}

function batch(name: string): { traceId: string; body: Uint8Array } {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = encodeTraces('scale-out-e2e', [
    { traceId, spanId: newSpanId(), name, startNs: now, endNs: now + 5_000_000n, attributes: {} },
  ]);
  return { traceId, body };
}

it('the query node lists traces from both ingest nodes and the violation node B found', async () => {
  const [a, b, query] = nodes as [WitnessProcess, WitnessProcess, WitnessProcess];
  const { traceId: fromA, body: bodyA } = batch('lookup');
  const { traceId: fromB, body: bodyB } = batch('refund');
  await post(a, bodyA);
  await post(b, bodyB);
  // the ingest node answered 200 after the store acknowledged: visible at once, no polling needed
  const traces = (await (await fetch(`${query.url}/api/traces?limit=50`)).json()) as {
    items: Array<{ traceId: string }>;
  };
  expect(traces.items.map((t) => t.traceId).sort()).toEqual([fromA, fromB].sort());
  const res = await fetch(`${query.url}/api/governance/violations`);
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as {
    items: Array<{ policy: string; traceId: string; spanName: string }>;
  };
  expect(items).toEqual([
    expect.objectContaining({ policy: 'no-refunds', traceId: fromB, spanName: 'refund' }),
  ]);
  const summary = (await (await fetch(`${query.url}/api/governance/summary`)).json()) as { total: number };
  expect(summary.total).toBe(1);
  // node B's batch retried through node A (which never saw it): no second violation, no second trace
  await post(a, bodyB);
  const again = (await (await fetch(`${query.url}/api/governance/violations`)).json()) as {
    items: unknown[];
  };
  expect(again.items).toHaveLength(1);
  const tracesAgain = (await (await fetch(`${query.url}/api/traces?limit=50`)).json()) as {
    items: unknown[];
  };
  expect(tracesAgain.items).toHaveLength(2);
});

it('the query node answers OTLP metric points that ingest node A received (official exporter)', async () => {
  const [a, , query] = nodes as [WitnessProcess, WitnessProcess, WitnessProcess];
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${a.url}/v1/metrics` }),
    exportIntervalMillis: 60_000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    readers: [reader],
  });
  provider.getMeter('e2e').createCounter('orders.placed').add(7, { region: 'eu' });
  await provider.forceFlush();
  await provider.shutdown();
  const names = (await (await fetch(`${query.url}/api/metrics/names`)).json()) as {
    metrics: Array<{ metric: string; type: string; points: number }>;
  };
  expect(names.metrics.find((m) => m.metric === 'orders.placed')).toMatchObject({ type: 'sum' });
  const res = await fetch(`${query.url}/api/metrics/query?metric=orders.placed&groupBy=region`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { source: string; series: Array<{ labels: Record<string, string> }> };
  expect(body.source).toBe('otlp');
  expect(body.series.map((s) => s.labels)).toEqual([{ region: 'eu' }]);
});
