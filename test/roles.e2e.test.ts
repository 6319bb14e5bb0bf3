/**
 * `witness serve --target ingest|query` as real processes: each answers what its role serves, and a
 * 404 naming its role for the rest; ingest nodes label their derived metrics with the node name.
 * (Two ingest nodes and a query node over one shared store need the ClickHouse engine: DuckDB is one
 * process's file; see test/scale-out.e2e.test.ts once it exists.)
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId } from './helpers/otlp-proto.js';
import { CLI_MAIN, startWitness } from './helpers/witness-process.js';

const body = () => {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  return encodeTraces('roles-e2e', [
    {
      traceId,
      spanId: newSpanId(),
      name: 'execute_tool refund',
      startNs: now,
      endNs: now + 5_000_000n,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' },
    },
  ]);
};

it('an ingest node takes OTLP and answers 404 naming its role for the API and UI', async () => {
  const node = await startWitness({
    args: ['--target', 'ingest'],
    env: { WITNESS_SERVER_NODE_NAME: 'ingest-7' },
  });
  try {
    const res = await fetch(`${node.url}/v1/traces`, {
      method: 'POST',
      body: body(),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
    for (const path of ['/api/traces', '/', '/api/alerts']) {
      const r = await fetch(`${node.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(((await r.json()) as { error: { message: string } }).error.message).toContain('--target ingest');
    }
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(
      /witness_tool_calls_total\{node="ingest-7",project="default",[^}]*tool="refund"[^}]*\} 1/,
    );
    expect(metrics).toContain('witness_spool_batches 0');
  } finally {
    await node.stop();
  }
});

it('a query node serves the API and answers 404 naming its role for OTLP', async () => {
  const node = await startWitness({ args: ['--target', 'query'] });
  try {
    const r = await fetch(`${node.url}/v1/traces`, {
      method: 'POST',
      body: body(),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('--target query');
    expect((await fetch(`${node.url}/api/traces`)).status).toBe(200);
    expect((await fetch(`${node.url}/api/alerts`)).status).toBe(200);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).not.toContain('witness_spool_batches'); // no spool on a query node
  } finally {
    await node.stop();
  }
});

it('refuses an unknown target, naming the key and the allowed values', () => {
  const r = spawnSync(process.execPath, [CLI_MAIN, 'serve', '--target', 'everything', '--port', '0'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status).not.toBe(0);
  expect(`${r.stdout}${r.stderr}`).toMatch(/server\.target/);
  expect(`${r.stdout}${r.stderr}`).toMatch(/ingest/);
});
