import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeTraces } from '../../test/otlp-schema.js';
import { WitnessTracerProvider } from '../trace/index.js';
import type { ReadableSpanLike, WitnessSpanProcessor } from '../trace/types.js';
import { OtlpTraceEncoder } from './otlp-encoder.js';

function collect(): WitnessSpanProcessor & { spans: ReadableSpanLike[] } {
  const spans: ReadableSpanLike[] = [];
  return { spans, onEnd: (s) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} };
}

const LONG = `long ${'x'.repeat(20_000)} ünïcødé ✓`;

describe('OtlpTraceEncoder', () => {
  it('encodes spans that protobufjs decodes back field by field', () => {
    const sink = collect();
    const provider = new WitnessTracerProvider({
      resource: { 'service.name': 'svc', 'deployment.environment': 'test' },
      spanProcessors: [sink],
    });
    const tracer = provider.getTracer('lib', '1.2.3');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
    const ctxParent = parent.spanContext();
    const child = tracer.startSpan(
      'child ✓',
      { kind: SpanKind.CLIENT, links: [{ context: ctxParent, attributes: { why: 'link' } }] },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.setAttributes({
      s: 'text',
      i: 42,
      neg: -7,
      big: 2 ** 40,
      d: 0.25,
      b: false,
      arr: ['a', 'b'],
      nums: [1, 2.5],
      long: LONG,
      uni: 'héllo',
      ключ: 1,
      zero: 0,
      maxInt: 0x7fffffff,
    });
    child.addEvent('evt', { n: 1 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    parent.end();

    const decoded = decodeTraces(new OtlpTraceEncoder().encode(sink.spans));
    expect(decoded).toHaveLength(2);
    const [c, p] = decoded;
    expect(c.name).toBe('child ✓');
    expect(c.kind).toBe(3); // OTLP SPAN_KIND_CLIENT
    expect(p.kind).toBe(2); // SERVER
    expect(c.traceId).toBe(ctxParent.traceId);
    expect(c.parentSpanId).toBe(ctxParent.spanId);
    expect(p.parentSpanId).toBe('');
    expect(c.attributes).toEqual({
      s: 'text',
      i: 42,
      neg: -7,
      big: 2 ** 40,
      d: 0.25,
      b: false,
      arr: ['a', 'b'],
      nums: [1, 2.5],
      long: LONG,
      uni: 'héllo',
      ключ: 1,
      zero: 0,
      maxInt: 0x7fffffff,
    });
    expect(c.status).toEqual({ code: 2, message: 'boom' });
    expect(c.events[0].name).toBe('evt');
    expect(c.events[0].attributes).toEqual({ n: 1 });
    expect(c.links[0]).toMatchObject({
      traceId: ctxParent.traceId,
      spanId: ctxParent.spanId,
      attributes: { why: 'link' },
    });
    expect(c.flags).toBe(TraceFlags.SAMPLED | 0x100);
    expect(c.resource).toEqual({ 'service.name': 'svc', 'deployment.environment': 'test' });
    expect(c.scope).toEqual({ name: 'lib', version: '1.2.3' });
    expect(c.endTimeUnixNano).toBeGreaterThanOrEqual(c.startTimeUnixNano);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    expect(Number((nowNs - c.startTimeUnixNano) / 1_000_000n)).toBeLessThan(60_000);
  });

  it('produces the same decoded request as the official OpenTelemetry serializer for SDK spans', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'official' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('scope-a', '0.1');
    const other = provider.getTracer('scope-b');
    for (let i = 0; i < 20; i++) {
      const t = i % 3 === 0 ? other : tracer;
      const s = t.startSpan(`op ${i}`, {
        kind: i % 5,
        attributes: { i, f: i / 3, ok: i % 2 === 0, tag: `t${i}`, list: [`x${i}`] },
      });
      if (i % 4 === 0) s.addEvent('e', { at: i });
      if (i % 7 === 0) s.setStatus({ code: SpanStatusCode.ERROR, message: `bad ${i}` });
      s.end();
    }
    const spans = exporter.getFinishedSpans();
    const ours = decodeTraces(new OtlpTraceEncoder().encode(spans as unknown as ReadableSpanLike[]));
    const official = decodeTraces(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    const byId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
    expect(ours.length).toBe(20);
    expect(ours.sort(byId)).toEqual(official.sort(byId));
  });

  it('reuses its buffer across batches without leaking bytes from a larger previous batch', () => {
    const sink = collect();
    const provider = new WitnessTracerProvider({ spanProcessors: [sink] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < 300; i++)
      tracer.startSpan(`s${i}`, { attributes: { payload: 'y'.repeat(500) } }).end();
    const enc = new OtlpTraceEncoder();
    const big = enc.encode(sink.spans);
    const small = enc.encode(sink.spans.slice(0, 1));
    expect(big.length).toBeGreaterThan(small.length * 100);
    expect(decodeTraces(small).map((s) => s.name)).toEqual(['s0']);
    expect(decodeTraces(big)).toHaveLength(300);
  });
});
