/**
 * OTLP/gRPC end to end: the official OpenTelemetry gRPC exporters (traces, logs, metrics) → a real
 * `witness serve --grpc-port 0` → read back through the HTTP query API. Also gzip from the exporter,
 * the project from metadata, malformed messages (garbage, truncated protobuf, oversized) answered with
 * gRPC status codes while the server keeps serving, the gRPC health service, and auth on.
 */
import { execFile, spawn } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { LogJson, Page, TraceJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from './helpers/certificates.js';
import { CLI_MAIN, REPO_ROOT, startWitness, type WitnessProcess } from './helpers/witness-process.js';

const TRACE_SERVICE = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
/** grpc status codes (grpc/status.proto). */
const OK = 0;
const INVALID_ARGUMENT = 3;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const UNAUTHENTICATED = 16;

interface Exported {
  code: number;
  error: (Error & Partial<ServiceError>) | undefined;
  traceId: string;
}

/** Ends `spans` spans of one trace in `service` and exports them with the official gRPC exporter. */
async function exportTrace(
  grpcUrl: string,
  service: string,
  options: { metadata?: Metadata; gzip?: boolean; spans?: number; ca?: string } = {},
): Promise<Exported> {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      {
        onStart() {},
        onEnd: (span) => void ended.push(span),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  const tracer = provider.getTracer('grpc-e2e');
  const root = tracer.startSpan('invoke_agent planner', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
  });
  for (let i = 1; i < (options.spans ?? 3); i++) {
    const ctx = trace.setSpan(context.active(), root);
    tracer
      .startSpan(
        `chat gpt-4o #${i}`,
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 100 * i,
            'gen_ai.usage.output_tokens': 10 * i,
          },
        },
        ctx,
      )
      .end();
  }
  root.end();
  const exporter = new OTLPTraceExporter({
    url: grpcUrl,
    metadata: options.metadata,
    compression: options.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    ...(options.ca ? { credentials: credentials.createSsl(Buffer.from(options.ca)) } : {}),
    timeoutMillis: 5_000,
  });
  const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
    exporter.export(ended, resolve),
  );
  await exporter.shutdown();
  return { code: result.code, error: result.error as Exported['error'], traceId: root.spanContext().traceId };
}

/** A raw gRPC client of the trace service (pass-through bytes): sends what no exporter would. */
type RawCall = (
  bytes: Buffer,
  metadata?: Metadata,
) => Promise<{ code: number; details: string; body?: Buffer; error?: ServiceError }>;
type ExportMethod = (
  bytes: Buffer,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, body?: Buffer) => void,
) => void;
function rawClient(grpcUrl: string, path: string, gzip = false): { call: RawCall; client: Client } {
  const id = (b: Buffer) => b;
  const Ctor = makeGenericClientConstructor(
    {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      },
    },
    'Raw',
  );
  const client = new Ctor(grpcUrl.replace(/^https?:\/\//, ''), credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    // grpc-js's own gzip (compression algorithm 2)
    ...(gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
  });
  const call: RawCall = (bytes, metadata = new Metadata()) =>
    new Promise((resolve) =>
      (client as unknown as { Export: ExportMethod }).Export(
        bytes,
        metadata,
        { deadline: Date.now() + 10_000 },
        (err: ServiceError | null, body?: Buffer) =>
          resolve(
            err ? { code: err.code, details: err.details, error: err } : { code: OK, details: '', body },
          ),
      ),
    );
  return { call, client };
}

/** A gRPC length-prefixed message: compressed flag, 4-byte big-endian length, bytes. */
function frame(compressed: 0 | 1, body: Buffer, declaredLength = body.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, body]);
}

/** One gRPC call written by hand over HTTP/2: for frames no gRPC library would send. */
function rawFrame(
  grpcUrl: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(grpcUrl);
    session.once('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': TRACE_SERVICE,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let status: string | undefined;
    const take = (h: Record<string, unknown>) => {
      if (typeof h['grpc-status'] === 'string') status = h['grpc-status'];
    };
    req.on('response', take);
    req.on('trailers', take);
    req.resume();
    req.on('close', () => {
      session.close();
      resolve({ status });
    });
    req.end(body);
  });
}

async function json<T>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** A valid ExportTraceServiceRequest with one span, built by hand (proto3 wire format). */
function oneSpanRequest(traceIdHex: string, name = 'hand-made', endsBeforeStart = false): Buffer {
  const len = (field: number, bytes: Buffer) => {
    const out: number[] = [(field << 3) | 2];
    let n = bytes.length;
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.concat([Buffer.from(out), bytes]);
  };
  const fixed64 = (field: number, v: bigint) => {
    const b = Buffer.alloc(9);
    b[0] = (field << 3) | 1;
    b.writeBigUInt64LE(v, 1);
    return b;
  };
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = Buffer.concat([
    len(1, Buffer.from(traceIdHex, 'hex')),
    len(2, Buffer.from('0102030405060708', 'hex')),
    len(5, Buffer.from(name)),
    fixed64(7, endsBeforeStart ? now : now - 1_000_000n),
    fixed64(8, endsBeforeStart ? now - 1_000_000n : now),
  ]);
  const resource = len(
    1,
    Buffer.concat([len(1, Buffer.from('service.name')), len(2, len(1, Buffer.from('raw-grpc')))]),
  );
  return len(1, Buffer.concat([len(1, resource), len(2, len(2, span))]));
}

describe('OTLP/gRPC with auth off', () => {
  let w: WitnessProcess;
  let grpcUrl: string;
  beforeAll(async () => {
    w = await startWitness({
      args: ['--grpc-port', '0'],
      // 1 MiB, so the oversized message below stays cheap to build and send
      env: { WITNESS_LIMITS_MAX_REQUEST_BYTES: String(1024 * 1024), WITNESS_METRICS_SCRAPE_CACHE_MS: '0' },
    });
    expect(w.grpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    grpcUrl = w.grpcUrl!;
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
  });

  it('the official trace exporter round-trips a trace through gRPC into the HTTP API', async () => {
    const r = await exportTrace(grpcUrl, 'grpc-traces', { spans: 3 });
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const { status, body } = await json<TraceJson>(`${w.url}/api/traces/${r.traceId}`);
    expect(status).toBe(200);
    expect(body.spans).toHaveLength(3);
    expect(new Set(body.spans.map((s) => s.serviceName))).toEqual(new Set(['grpc-traces']));
    const chat = body.spans.find((s) => s.name === 'chat gpt-4o #2')!;
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(200);
    expect(body.spans.find((s) => s.name === 'invoke_agent planner')!.parentSpanId).toBeNull();
  });

  it('gzip from the exporter (grpc-encoding: gzip) is decompressed and stored', async () => {
    const r = await exportTrace(grpcUrl, 'grpc-gzip', { gzip: true, spans: 5 });
    expect(r.error).toBeUndefined();
    const { body } = await json<TraceJson>(`${w.url}/api/traces/${r.traceId}`);
    expect(body.spans).toHaveLength(5);
  });

  it('the official logs exporter round-trips a log record', async () => {
    const exporter = new OTLPLogExporter({ url: grpcUrl, compression: CompressionAlgorithm.GZIP });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-logs' }),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    provider.getLogger('e2e').emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'tool call retried over grpc',
      attributes: { attempt: 2 },
    });
    await provider.forceFlush();
    await provider.shutdown();
    const { status, body } = await json<Page<LogJson>>(`${w.url}/api/logs?service=grpc-logs`);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ body: 'tool call retried over grpc', severityNumber: 13 });
    expect(body.items[0].attributes.attempt).toBe(2);
  });

  it('the official metrics exporter round-trips a counter', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: grpcUrl }),
      exportIntervalMillis: 60_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-metrics' }),
      readers: [reader],
    });
    const counter = provider.getMeter('e2e').createCounter('grpc.requests');
    counter.add(4, { route: '/a' });
    counter.add(6, { route: '/b' });
    await provider.forceFlush();
    await provider.shutdown();
    const from = Date.now() - 600_000;
    const { status, body } = await json<{
      series: Array<{ labels: Record<string, string>; points: [number, number | null][] }>;
    }>(
      `${w.url}/api/metrics/query?metric=grpc.requests&agg=increase&groupBy=route&service=grpc-metrics&from=${from}&to=${Date.now() + 60_000}&step=10m`,
    );
    expect(status).toBe(200);
    const byRoute = Object.fromEntries(
      body.series.map((s) => [s.labels.route, s.points.reduce((a, p) => a + (p[1] ?? 0), 0)]),
    );
    expect(byRoute).toEqual({ '/a': 4, '/b': 6 });
  });

  it('x-witness-project metadata picks the project, as the header does over HTTP', async () => {
    const metadata = new Metadata();
    metadata.set('x-witness-project', 'team-grpc');
    const r = await exportTrace(grpcUrl, 'grpc-project', { metadata });
    expect(r.code).toBe(0);
    expect((await json(`${w.url}/api/traces/${r.traceId}`)).status).toBe(404);
    const inProject = await json<TraceJson>(`${w.url}/api/traces/${r.traceId}`, {
      'x-witness-project': 'team-grpc',
    });
    expect(inProject.status).toBe(200);
    expect(inProject.body.spans).toHaveLength(3);
  });

  it('malformed messages get INVALID_ARGUMENT / RESOURCE_EXHAUSTED and the server keeps serving', async () => {
    const { call, client } = rawClient(grpcUrl, TRACE_SERVICE);
    try {
      const garbage = await call(Buffer.from('this is not a protobuf message \xff\xff\xff\xff', 'latin1'));
      expect(garbage.code).toBe(INVALID_ARGUMENT);
      expect(garbage.details).toMatch(/invalid OTLP protobuf body/);

      const valid = oneSpanRequest('0af7651916cd43dd8448eb211c80319c');
      const truncated = await call(valid.subarray(0, valid.length - 7));
      expect(truncated.code).toBe(INVALID_ARGUMENT);

      const oversized = await call(Buffer.alloc(1024 * 1024 + 1, 0x0a));
      expect(oversized.code).toBe(RESOURCE_EXHAUSTED);

      // a few KiB on the wire that gunzip to 8 MiB: refused by the bound on the decompressed size
      const bomb = rawClient(grpcUrl, TRACE_SERVICE, true);
      try {
        const r = await bomb.call(Buffer.alloc(8 * 1024 * 1024, 0));
        expect(r.code).toBe(RESOURCE_EXHAUSTED);
        expect(r.details).toMatch(/decompresses to a size larger than/);
      } finally {
        bomb.client.close();
      }

      // below the gRPC library: a frame whose gzip is corrupt, a frame cut short. grpc-js answers
      // these itself (INTERNAL, UNIMPLEMENTED) before any handler runs; they must not hurt the server
      expect(
        await rawFrame(grpcUrl, frame(1, Buffer.from('not gzip')), { 'grpc-encoding': 'gzip' }),
      ).toMatchObject({ status: '13' });
      expect((await rawFrame(grpcUrl, frame(0, Buffer.from('abc'), 100))).status).not.toBe('0');

      // still serving, on both ports: the hand-made request is stored
      const ok = await call(valid);
      expect(ok.code).toBe(OK);
      expect(ok.body?.length).toBe(0); // full success: an empty ExportTraceServiceResponse
      const { status, body } = await json<TraceJson>(`${w.url}/api/traces/0af7651916cd43dd8448eb211c80319c`);
      expect(status).toBe(200);
      expect(body.spans.map((s) => s.name)).toEqual(['hand-made']);
    } finally {
      client.close();
    }
  });

  it('answers partial_success for a span the decoder rejects, storing the rest', async () => {
    const { call, client } = rawClient(grpcUrl, TRACE_SERVICE);
    try {
      // a span that ends before it starts is rejected, the request is not
      const bad = oneSpanRequest('2af7651916cd43dd8448eb211c80319c', 'backwards', true);
      const good = oneSpanRequest('1af7651916cd43dd8448eb211c80319c', 'kept');
      const r = await call(Buffer.concat([bad, good]));
      expect(r.code).toBe(OK);
      // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1) = 1, error_message (2) } }
      expect(r.body?.[0]).toBe(0x0a);
      expect(r.body?.subarray(2, 4)).toEqual(Buffer.from([0x08, 0x01]));
      expect(r.body?.toString('utf8')).toMatch(/span ends before it starts/);
      expect((await json(`${w.url}/api/traces/1af7651916cd43dd8448eb211c80319c`)).status).toBe(200);
    } finally {
      client.close();
    }
  });

  it('the gRPC health service answers SERVING, and /metrics counts the calls by status code', async () => {
    const { call, client } = rawClient(grpcUrl, HEALTH_CHECK);
    try {
      const r = await call(Buffer.alloc(0));
      expect(r).toMatchObject({ code: OK });
      expect([...(r.body ?? [])]).toEqual([0x08, 0x01]);
    } finally {
      client.close();
    }
    const text = await (await fetch(`${w.url}/metrics`)).text();
    expect(text).toMatch(/witness_ingest_grpc_requests_total\{signal="traces",code="OK"\} [1-9]/);
    expect(text).toMatch(/witness_ingest_grpc_requests_total\{signal="traces",code="INVALID_ARGUMENT"\} 2/);
    expect(text).toMatch(/witness_ingest_grpc_requests_total\{signal="logs",code="OK"\} 1/);
    // refusals are logged as over HTTP, marked with their transport
    const refused = w
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"transport":"grpc"') && l.includes('request refused'));
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});

describe('OTLP/gRPC with auth on', () => {
  let w: WitnessProcess;
  let ingest = '';
  let read = '';
  const keys = async (...args: string[]) =>
    (
      await promisify(execFile)(process.execPath, [CLI_MAIN, 'keys', ...args, '--data-dir', w.dataDir], {
        encoding: 'utf8',
      })
    ).stdout
      .trimEnd()
      .split('\n')
      .pop()!;
  beforeAll(async () => {
    w = await startWitness({
      args: ['--grpc-port', '0'],
      env: { WITNESS_AUTH_ENABLED: 'true', WITNESS_AUTH_RATE_LIMIT_FAILED_ATTEMPTS_BURST: '30' },
    });
    ingest = await keys('create', '--project', 'team-a', '--scope', 'ingest');
    read = await keys('create', '--project', 'team-a', '--scope', 'read');
    // the server polls the keys file: wait until the read key is known over HTTP
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${w.url}/api/traces`, { headers: { authorization: `Bearer ${read}` } });
      await res.body?.cancel();
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
  });

  const bearer = (key: string, header = 'authorization') => {
    const m = new Metadata();
    m.set(header, header === 'authorization' ? `Bearer ${key}` : key);
    return m;
  };

  it('without a key: UNAUTHENTICATED, and nothing is stored', async () => {
    const r = await exportTrace(w.grpcUrl!, 'grpc-nokey');
    expect(r.code).toBe(1);
    expect(r.error?.code).toBe(UNAUTHENTICATED);
    expect(r.error?.details).toMatch(/authentication required/);
    const res = await fetch(`${w.url}/api/traces/${r.traceId}`, {
      headers: { authorization: `Bearer ${read}` },
    });
    expect(res.status).toBe(404);
  });

  it('an unknown key: UNAUTHENTICATED', async () => {
    const r = await exportTrace(w.grpcUrl!, 'grpc-badkey', {
      metadata: bearer(`wk_0123456789abcdef_${'x'.repeat(43)}`),
    });
    expect(r.error?.code).toBe(UNAUTHENTICATED);
  });

  it('a read key: PERMISSION_DENIED (ingest needs the ingest scope)', async () => {
    const r = await exportTrace(w.grpcUrl!, 'grpc-readkey', { metadata: bearer(read) });
    expect(r.error?.code).toBe(PERMISSION_DENIED);
  });

  it('an ingest key (authorization: Bearer, or x-witness-key): stored in the key’s project', async () => {
    for (const header of ['authorization', 'x-witness-key']) {
      const r = await exportTrace(w.grpcUrl!, `grpc-key-${header}`, {
        metadata: bearer(ingest, header),
        gzip: true,
      });
      expect(r.error, header).toBeUndefined();
      const res = await json<TraceJson>(`${w.url}/api/traces/${r.traceId}`, {
        authorization: `Bearer ${read}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.spans).toHaveLength(3);
    }
  });

  it('an app configured only by the standard OTEL_EXPORTER_OTLP_* environment exports over gRPC', async () => {
    // its own process, as a user's app: endpoint, headers and gzip from the environment alone
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'test/helpers/export-span-child.mjs'), 'grpc', 'grpc-env-app'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_ENDPOINT: w.grpcUrl!,
          OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${ingest}`,
          OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const result = JSON.parse(out.trim().split('\n').pop()!) as {
      code: number;
      error: string | null;
      traceId: string;
    };
    expect(result).toMatchObject({ code: 0, error: null });
    const res = await json<TraceJson>(`${w.url}/api/traces/${result.traceId}`, {
      authorization: `Bearer ${read}`,
    });
    expect(res.status).toBe(200);
    expect(res.body.spans[0]?.serviceName).toBe('grpc-env-app');
  });

  it('an ingest key naming another project: PERMISSION_DENIED', async () => {
    const m = bearer(ingest);
    m.set('x-witness-project', 'team-b');
    const r = await exportTrace(w.grpcUrl!, 'grpc-otherproject', { metadata: m });
    expect(r.error?.code).toBe(PERMISSION_DENIED);
  });
});

describe('OTLP/gRPC over TLS (server.tls), reloaded on SIGHUP', () => {
  let w: WitnessProcess;
  let scratch: string;
  let a: TestCertificate;
  let b: TestCertificate;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'witness-grpc-tls-'));
    [a, b] = await Promise.all([makeCertificate(), makeCertificate()]);
    writeFileSync(join(scratch, 'cert.pem'), a.cert);
    writeFileSync(join(scratch, 'key.pem'), a.key, { mode: 0o600 });
    w = await startWitness({
      args: ['--grpc-port', '0'],
      ca: a.cert,
      env: {
        WITNESS_SERVER_TLS_CERT: join(scratch, 'cert.pem'),
        WITNESS_SERVER_TLS_KEY: join(scratch, 'key.pem'),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves TLS with the server certificate; a client not trusting it is refused', async () => {
    expect(w.grpcUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusted = await exportTrace(w.grpcUrl!, 'grpc-tls', { ca: a.cert });
    expect(trusted.error).toBeUndefined();
    const untrusted = await exportTrace(w.grpcUrl!, 'grpc-tls', { ca: b.cert });
    expect(untrusted.code).toBe(1);
  });

  it('takes a renewed certificate on SIGHUP, like the HTTPS port', async () => {
    writeFileSync(join(scratch, 'cert.pem'), b.cert);
    writeFileSync(join(scratch, 'key.pem'), b.key, { mode: 0o600 });
    w.child.kill('SIGHUP');
    let result: Exported | null = null;
    for (let i = 0; i < 50 && result?.code !== 0; i++) {
      result = await exportTrace(w.grpcUrl!, 'grpc-tls-renewed', { ca: b.cert });
      if (result.code !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(result?.error).toBeUndefined();
  });
});

describe('OTLP/gRPC when the server sheds load', () => {
  let w: WitnessProcess;
  let ingest = '';
  beforeAll(async () => {
    w = await startWitness({
      args: ['--grpc-port', '0'],
      // two calls per key, then one more every 100 s: the third call is refused
      env: {
        WITNESS_AUTH_ENABLED: 'true',
        WITNESS_AUTH_RATE_LIMIT_PER_KEY_PER_SECOND: '0.01',
        WITNESS_AUTH_RATE_LIMIT_PER_KEY_BURST: '2',
      },
    });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI_MAIN, 'keys', 'create', '--project', 'default', '--scope', 'ingest', '--data-dir', w.dataDir],
      { encoding: 'utf8' },
    );
    ingest = stdout.trimEnd().split('\n').pop()!;
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
  });

  it('answers RESOURCE_EXHAUSTED with google.rpc.RetryInfo, so exporters back off and retry', async () => {
    const { call, client } = rawClient(w.grpcUrl!, TRACE_SERVICE);
    const m = new Metadata();
    m.set('authorization', `Bearer ${ingest}`);
    try {
      // the key file is polled: wait until the key is known, which spends its burst
      let first = await call(oneSpanRequest('3af7651916cd43dd8448eb211c80319c'), m);
      for (let i = 0; i < 100 && first.code === UNAUTHENTICATED; i++) {
        await new Promise((r) => setTimeout(r, 50));
        first = await call(oneSpanRequest('3af7651916cd43dd8448eb211c80319c'), m);
      }
      expect(first.code).toBe(OK);
      let refused = await call(oneSpanRequest('4af7651916cd43dd8448eb211c80319c'), m);
      if (refused.code === OK) refused = await call(oneSpanRequest('4af7651916cd43dd8448eb211c80319c'), m);
      expect(refused.code).toBe(RESOURCE_EXHAUSTED);
      expect(refused.details).toMatch(/too many requests with this credential/);
      const details = refused.error?.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined;
      expect(details).toBeInstanceOf(Buffer);
      const text = details!.toString('latin1');
      expect(text).toContain('type.googleapis.com/google.rpc.RetryInfo');
    } finally {
      client.close();
    }
  });
});

describe('OTLP/gRPC and node roles (--target)', () => {
  it('an ingest node serves it; a query node opens no gRPC port and says why', async () => {
    const ingestNode = await startWitness({ args: ['--target', 'ingest', '--grpc-port', '0'] });
    try {
      expect(ingestNode.grpcUrl).not.toBeNull();
      const r = await exportTrace(ingestNode.grpcUrl!, 'grpc-ingest-node');
      expect(r.error).toBeUndefined();
    } finally {
      await ingestNode.stop();
    }
    const queryNode = await startWitness({ args: ['--target', 'query', '--grpc-port', '0'] });
    try {
      expect(queryNode.grpcUrl).toBeNull();
      expect(queryNode.stderr()).toMatch(/OTLP\/gRPC is not served/);
    } finally {
      await queryNode.stop();
    }
  });
});
