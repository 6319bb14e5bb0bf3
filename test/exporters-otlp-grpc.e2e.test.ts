/**
 * The OTLP/gRPC exporter: a real `witness serve --config` forwarding over gRPC to a @grpc/grpc-js server
 * that implements opentelemetry.proto.collector.trace.v1.TraceService/Export, decodes each request with
 * the opentelemetry-proto schema of packages/sdk/test (not the exporter's encoder), and hands the
 * bytes on to a second Witness's OTLP receiver, which stores them. (Witness's own gRPC receiver on 4317
 * is another engineer's; once it is on main, this test can point at it directly.) Faults: UNAVAILABLE,
 * RESOURCE_EXHAUSTED with RetryInfo, INVALID_ARGUMENT → dead letter.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Metadata,
  Server,
  type ServerUnaryCall,
  ServerCredentials,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraces } from '../packages/sdk/test/otlp-schema.js';
import { getJson } from './helpers/otel.js';
import { encodeTraces, newSpanId, newTraceId } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

type Fault = { code: number; retryDelayMs?: number; times: number } | null;

// google.rpc.Status / RetryInfo, to send RetryInfo as a real collector does
const rpc = protobuf.parse(
  `syntax = "proto3"; package google.rpc;
   message Any { string type_url = 1; bytes value = 2; }
   message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
   message Duration { int64 seconds = 1; int32 nanos = 2; }
   message RetryInfo { Duration retry_delay = 1; }`,
  { keepCase: true },
).root;

describe('OTLP/gRPC exporter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-grpc-'));
  let target: WitnessProcess;
  let src: WitnessProcess;
  let server: Server;
  let fault: Fault = null;
  const calls: Array<{ at: number; code: number; metadata: Metadata }> = [];
  const delivered = new Map<string, number>();

  beforeAll(async () => {
    target = await startWitness();
    server = new Server();
    server.register(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const f = fault;
        if (f && f.times > 0) {
          f.times--;
          calls.push({ at: Date.now(), code: f.code, metadata: call.metadata });
          const md = new Metadata();
          if (f.retryDelayMs !== undefined) {
            const RetryInfo = rpc.lookupType('google.rpc.RetryInfo');
            const Status = rpc.lookupType('google.rpc.Status');
            const ri = RetryInfo.encode({
              retry_delay: {
                seconds: Math.floor(f.retryDelayMs / 1000),
                nanos: (f.retryDelayMs % 1000) * 1e6,
              },
            }).finish();
            md.set(
              'grpc-status-details-bin',
              Buffer.from(
                Status.encode({
                  code: f.code,
                  message: 'slow down',
                  details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: ri }],
                }).finish(),
              ),
            );
          }
          callback({ code: f.code, details: 'injected', metadata: md });
          return;
        }
        calls.push({ at: Date.now(), code: status.OK, metadata: call.metadata });
        // the official schema reads it; the second Witness stores it
        const spans = decodeTraces(call.request);
        const res = await fetch(`${target.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: call.request,
        });
        const answer = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200) {
          callback({
            code: status.INTERNAL,
            details: `the Witness behind answered ${res.status}: ${answer}`,
          });
          return;
        }
        for (const s of spans) delivered.set(s.spanId, (delivered.get(s.spanId) ?? 0) + 1);
        callback(null, answer);
      },
      (b: Buffer) => b,
      (b: Buffer) => b,
      'unary',
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const config = join(dir, 'witness.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        exporters: [
          {
            name: 'grpc',
            type: 'otlp',
            protocol: 'grpc',
            endpoint: `http://127.0.0.1:${port}`,
            headers: { 'x-scope-orgid': 'team-g' },
            secretHeaders: { 'api-key': { env: 'GRPC_KEY' } },
            batch: { maxItems: 100, timeoutMs: 100 },
            retry: { initialBackoffMs: 100, maxBackoffMs: 500 },
          },
        ],
      }),
    );
    src = await startWitness({ args: ['--config', config], env: { GRPC_KEY: 'k-123' } });
  }, 60_000);

  afterAll(async () => {
    await src?.stop();
    await target?.stop();
    server?.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(n: number): Promise<{ traceId: string; ids: string[] }> {
    const traceId = newTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: n }, (_, i) => ({
      traceId,
      spanId: newSpanId(),
      name: `tool ${i}`,
      startNs: now,
      endNs: now + 2_000_000n,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
    }));
    const res = await fetch(`${src.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTraces('grpc-e2e', spans),
    });
    expect(res.status).toBe(200);
    return { traceId, ids: spans.map((s) => s.spanId) };
  }

  async function until(what: string, f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const exporterStatus = async () =>
    (
      await getJson<{
        exporters: Array<{
          sent: number;
          deadLettered: number;
          failedAttempts: number;
          lastError: { message: string } | null;
        }>;
      }>(`${src.url}/api/exporters`)
    ).body.exporters[0];

  it('forwards spans with their metadata; the Witness behind the gRPC server stores them', async () => {
    const { traceId, ids } = await post(10);
    await until('10 spans over gRPC', () => ids.every((id) => delivered.has(id)));
    const ok = calls.find((c) => c.code === status.OK) as (typeof calls)[number];
    expect(ok.metadata.get('x-scope-orgid')).toEqual(['team-g']);
    expect(ok.metadata.get('api-key')).toEqual(['k-123']);
    // (gzip is the channel's message compression; grpc-js takes grpc-encoding out of the metadata it
    // shows a handler, so this test does not see it)
    const trace = await getJson<{ spans: Array<{ toolName: string | null; serviceName: string }> }>(
      `${target.url}/api/traces/${traceId}`,
    );
    expect(trace.status).toBe(200);
    expect(trace.body.spans).toHaveLength(10);
    expect(trace.body.spans[0]).toMatchObject({ toolName: 'search', serviceName: 'grpc-e2e' });
  }, 30_000);

  it('UNAVAILABLE is retried; RESOURCE_EXHAUSTED with RetryInfo waits the delay given; INVALID_ARGUMENT is dead-lettered', async () => {
    fault = { code: status.UNAVAILABLE, times: 2 };
    const a = await post(5);
    await until('delivered after UNAVAILABLE', () => a.ids.every((id) => delivered.has(id)));

    fault = { code: status.RESOURCE_EXHAUSTED, retryDelayMs: 1500, times: 1 };
    const b = await post(5);
    await until('delivered after RESOURCE_EXHAUSTED', () => b.ids.every((id) => delivered.has(id)));
    const i = calls.findIndex((c) => c.code === status.RESOURCE_EXHAUSTED);
    expect(calls[i + 1].at - calls[i].at).toBeGreaterThanOrEqual(1450);

    fault = { code: status.INVALID_ARGUMENT, times: 1 };
    const c = await post(5);
    await until('dead-lettered', async () => (await exporterStatus()).deadLettered === 5);
    const dl = readFileSync(join(src.dataDir, 'exporters', 'grpc', 'dead-letter.ndjson'), 'utf8');
    expect(dl).toContain('INVALID_ARGUMENT');
    for (const id of c.ids) expect(dl).toContain(id);
    expect(c.ids.some((id) => delivered.has(id))).toBe(false);
    for (const id of [...a.ids, ...b.ids]) expect(delivered.get(id)).toBe(1);
    const st = await exporterStatus();
    expect(st.failedAttempts).toBe(4);
    expect(st.sent).toBe(20);
  }, 60_000);
});

describe("OTLP/gRPC exporter to Witness's own gRPC receiver", () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-grpc2-'));
  let target: WitnessProcess;
  let src: WitnessProcess;

  beforeAll(async () => {
    target = await startWitness({ args: ['--grpc-port', '0'] });
    const config = join(dir, 'witness.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        exporters: [
          {
            name: 'to-witness',
            type: 'otlp',
            protocol: 'grpc',
            endpoint: target.grpcUrl,
            batch: { maxItems: 100, timeoutMs: 100 },
          },
        ],
      }),
    );
    src = await startWitness({ args: ['--config', config] });
  }, 60_000);

  afterAll(async () => {
    await src?.stop();
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spans and logs forwarded over gRPC are stored by the second Witness', async () => {
    const traceId = newTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: 7 }, (_, i) => ({
      traceId,
      spanId: newSpanId(),
      name: `chat ${i}`,
      startNs: now,
      endNs: now + 3_000_000n,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
    }));
    const res = await fetch(`${src.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTraces('grpc-native', spans),
    });
    expect(res.status).toBe(200);
    const logs = await fetch(`${src.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-native' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: String(now),
                    severityText: 'WARN',
                    body: { stringValue: 'over grpc' },
                    traceId,
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(logs.status).toBe(200);
    const deadline = Date.now() + 30_000;
    let stored: { status: number; body: { spans: Array<{ model: string | null }> } } | null = null;
    while (Date.now() < deadline) {
      stored = await getJson<{ spans: Array<{ model: string | null }> }>(
        `${target.url}/api/traces/${traceId}`,
      );
      if (stored.status === 200 && stored.body.spans.length === 7) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(stored?.body.spans).toHaveLength(7);
    expect(stored?.body.spans[0].model).toBe('gpt-4o-mini');
    let found = false;
    while (!found && Date.now() < deadline) {
      const l = await getJson<{ items: Array<{ body: string }> }>(
        `${target.url}/api/logs?service=grpc-native`,
      );
      found = l.status === 200 && l.body.items.some((x) => x.body === 'over grpc');
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBe(true);
  }, 60_000);
});
