import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  BasicTracerProvider,
  BatchSpanProcessor as OtelBatchSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../../test/otlp-receiver.js';
import { Witness } from '../witness.js';
import { BatchSpanProcessor, type BatchSpanProcessorOptions } from './batch-span-processor.js';
import { exporterOptionsFromEnv, parseHeaders, resourceFromEnv } from './env.js';
import { parseRetryAfter } from './http-transport.js';
import { WitnessOtelSpanExporter, WitnessOtelSpanProcessor } from './otel-sdk-adapter.js';
import { OtlpTraceExporter, type OtlpTraceExporterOptions } from './otlp-trace-exporter.js';

const receivers: OtlpReceiver[] = [];
const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
  expect(unhandled).toEqual([]);
});

async function receiver(): Promise<OtlpReceiver> {
  const r = await new OtlpReceiver().start();
  receivers.push(r);
  return r;
}

function setup(url: string, batch: BatchSpanProcessorOptions = {}, exporter: OtlpTraceExporterOptions = {}) {
  const warnings: string[] = [];
  const processor = new BatchSpanProcessor(new OtlpTraceExporter({ url, ...exporter }), {
    scheduledDelayMillis: 10,
    initialBackoffMillis: 10,
    maxBackoffMillis: 50,
    onWarning: (m) => warnings.push(m),
    ...batch,
  });
  const w = new Witness({ serviceName: 'exporter-test', spanProcessors: [processor] });
  return { w, processor, warnings };
}

describe('OTLP/HTTP batch exporter', () => {
  it('delivers gzip protobuf that a real receiver decodes, batching by size and time', async () => {
    const r = await receiver();
    const { w, processor } = setup(r.url, { maxExportBatchSize: 4 });
    for (let i = 0; i < 10; i++) w.tool({ name: `t${i}`, args: { i } }, () => i);
    await w.flush();
    expect(r.spans.map((s) => s.name).sort()).toEqual(
      [...Array(10)].map((_, i) => `execute_tool t${i}`).sort(),
    );
    expect(r.requests.every((q) => q.spans.length <= 4)).toBe(true);
    expect(r.requests[0].headers['content-type']).toBe('application/x-protobuf');
    expect(r.requests[0].headers['content-encoding']).toBe('gzip');
    expect(r.spans[0].resource['service.name']).toBe('exporter-test');
    expect(r.spans.find((s) => s.name === 'execute_tool t3')?.attributes['gen_ai.tool.call.arguments']).toBe(
      '{"i":3}',
    );
    expect(processor.stats).toMatchObject({
      exported: 10,
      droppedQueueFull: 0,
      droppedExportFailed: 0,
      queued: 0,
    });

    // below the batch size the timer sends it, without a flush
    w.step('alone');
    await expect.poll(() => r.spans.some((s) => s.attributes['witness.step.text'] === 'alone')).toBe(true);
  });

  it('speaks OTLP/JSON when asked, uncompressed', async () => {
    const r = await receiver();
    const { w } = setup(r.url, {}, { protocol: 'http/json', compression: 'none' });
    w.agent('json-agent', () => w.decision({ choice: 'a', alternatives: ['a', 'b'], confidence: 0.5 }));
    await w.flush();
    const req = r.requests[0];
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['content-encoding']).toBeUndefined();
    const spans = (
      req.json as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> }
    ).resourceSpans[0].scopeSpans[0].spans;
    const d = spans.find((s) => s.name === 'decision a');
    expect(d?.attributes).toContainEqual({
      key: 'witness.decision.alternatives',
      value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
    });
    expect(d?.parentSpanId).toBe(spans.find((s) => s.name === 'invoke_agent json-agent')?.spanId);
    expect(typeof d?.startTimeUnixNano).toBe('string');
  });

  it('retries 503s with backoff and delivers once the receiver recovers', async () => {
    const r = await receiver();
    r.respond = (n) => ({ status: n < 2 ? 503 : 200 });
    const { w, processor } = setup(r.url);
    w.step('retry me');
    await w.flush();
    expect(r.attempts).toBe(3);
    expect(r.spans).toHaveLength(1);
    expect(processor.stats).toMatchObject({ exported: 1, retries: 2, droppedExportFailed: 0 });
  });

  it('honours Retry-After over its own shorter backoff', async () => {
    const r = await receiver();
    r.respond = (n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    const { w, processor } = setup(r.url, { maxBackoffMillis: 5000 });
    w.step('later');
    await w.flush();
    expect(r.spans).toHaveLength(1);
    // our own backoff would have retried after 8–12 ms; the server asked for a second
    expect(r.attemptTimes[1] - r.attemptTimes[0]).toBeGreaterThanOrEqual(950);
    expect(processor.stats.retries).toBe(1);
  });

  it('drops and counts a batch the receiver rejects for good (400), without retrying', async () => {
    const r = await receiver();
    r.respond = () => ({ status: 400 });
    const { w, processor, warnings } = setup(r.url);
    for (let i = 0; i < 3; i++) w.step(`s${i}`);
    await w.flush();
    expect(r.attempts).toBe(1);
    expect(processor.stats).toMatchObject({ exported: 0, droppedExportFailed: 3, retries: 0 });
    expect(processor.stats.lastError).toContain('HTTP 400');
    expect(warnings).toHaveLength(1);
  });

  it('gives up after maxRetries and counts the loss', async () => {
    const r = await receiver();
    r.respond = () => ({ status: 502 });
    const { w, processor } = setup(r.url, { maxRetries: 3 });
    w.step('doomed');
    await w.flush();
    expect(r.attempts).toBe(4);
    expect(processor.stats).toMatchObject({ droppedExportFailed: 1, retries: 3 });
    expect(processor.dropped).toBe(1);
  });

  it('bounds its queue when the receiver is unreachable, counting drops, and flush still resolves', async () => {
    const r = await receiver();
    const url = r.url;
    await r.stop(); // nothing listens on this port now: connection refused
    const { w, processor, warnings } = setup(url, {
      maxQueueSize: 50,
      maxExportBatchSize: 10,
      flushTimeoutMillis: 300,
    });
    for (let i = 0; i < 500; i++) w.step(`s${i}`);
    expect(processor.stats.queued).toBeLessThanOrEqual(50);
    expect(processor.stats.droppedQueueFull).toBeGreaterThanOrEqual(440);
    await expect(w.flush()).resolves.toBeUndefined();
    expect(warnings.some((m) => m.includes('queue full'))).toBe(true);
    await w.shutdown();
    w.step('after shutdown');
    expect(processor.stats.droppedAfterShutdown).toBe(1);
  });

  it('computes jittered exponential backoff, capped, with Retry-After parsed as seconds or a date', () => {
    const p = new BatchSpanProcessor(
      { encode: () => new Uint8Array(), send: async () => ({ kind: 'success' }) },
      { initialBackoffMillis: 100, maxBackoffMillis: 1000 },
    );
    for (let attempt = 0; attempt < 6; attempt++) {
      const base = Math.min(100 * 2 ** attempt, 1000);
      const d = p.backoff(attempt);
      expect(d).toBeGreaterThanOrEqual(base * 0.8);
      expect(d).toBeLessThanOrEqual(base * 1.2);
    }
    expect(p.backoff(0, 400)).toBe(400);
    expect(p.backoff(0, 9999)).toBe(1000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('reads the standard OTEL_EXPORTER_OTLP_* variables, signal-specific ones first', () => {
    expect(
      exporterOptionsFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=a',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=b',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    ).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: { authorization: 'Bearer abc', 'x-team': 'b' },
      compression: 'none',
      timeoutMillis: 2500,
      protocol: 'http/json',
    });
    expect(
      exporterOptionsFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom/path',
        OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
      }),
    ).toEqual({ url: 'https://b/custom/path' });
    expect(
      resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'team=ai,env=prod', OTEL_SERVICE_NAME: 'bot' }),
    ).toEqual({
      team: 'ai',
      env: 'prod',
      'service.name': 'bot',
    });
    expect(parseHeaders('=x,novalue,k=%zz')).toEqual({ k: '%zz' });
  });

  it('plugs into an existing OpenTelemetry SDK as a SpanProcessor or a SpanExporter', async () => {
    const r = await receiver();
    const viaProcessor = new WitnessOtelSpanProcessor({ url: r.url }, { scheduledDelayMillis: 10 });
    const viaExporter = new WitnessOtelSpanExporter({ url: r.url });
    const provider = new BasicTracerProvider({
      spanProcessors: [viaProcessor, new OtelBatchSpanProcessor(viaExporter, { scheduledDelayMillis: 10 })],
    });
    const tracer = provider.getTracer('host-app');
    for (let i = 0; i < 5; i++) tracer.startSpan(`host ${i}`, { attributes: { i } }).end();
    await provider.forceFlush();
    const names = r.spans.map((s) => s.name).sort();
    // each span arrives twice: once per adapter
    expect(names).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4].map((i) => `host ${i}`));
    expect(r.spans.every((s) => s.scope.name === 'host-app')).toBe(true);
    await provider.shutdown();
  });

  it('keeps a short-lived program alive while it awaits shutdown, then lets it go on (receiver down)', async () => {
    const r = await receiver();
    const url = r.url;
    await r.stop();
    const script = fileURLToPath(new URL('../../test/short-lived-program.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, url], {
      timeout: 20_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out.after).toBe(true);
    expect(out.stats.exported).toBe(0);
    expect(out.warnings.some((m: string) => m.includes('flush gave up') && m.includes(url))).toBe(true);
  });
});
