import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeTracesJson, decodeTracesProto, OtlpDecodeError } from './index.js';

/** Spans made by the official SDK, so the bytes come from the official serializer. */
function officialSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'planner', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('witness-test', '1.2.3');
  tracer.startActiveSpan('invoke_agent planner', { kind: SpanKind.INTERNAL }, (root) => {
    const llm = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 340,
        'gen_ai.request.temperature': 0.25,
        'flag.enabled': true,
        'list.of.strings': ['a', 'b', 'ü'],
        'big.int': 2 ** 40,
        'negative.int': -7,
        'text.unicode': 'naïve ☃ 😀',
      },
    });
    llm.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'hello' });
    llm.end();
    const tool = tracer.startSpan('execute_tool search');
    tool.recordException(Object.assign(new Error('upstream timed out'), { name: 'TimeoutError' }));
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
    tool.addLink({ context: llm.spanContext(), attributes: { 'link.kind': 'caused-by' } });
    tool.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
  });
  return exporter.getFinishedSpans();
}

const nanos = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function expectMatches(decoded: ReturnType<typeof decodeTracesProto>, spans: ReadableSpan[]): void {
  expect(decoded.rejected).toBe(0);
  expect(decoded.spans).toHaveLength(spans.length);
  for (const want of spans) {
    const got = decoded.spans.find((s) => s.spanId === want.spanContext().spanId);
    expect(got, want.name).toBeDefined();
    if (!got) continue;
    expect(got.traceId).toBe(want.spanContext().traceId);
    expect(got.parentSpanId).toBe(want.parentSpanContext?.spanId ?? null);
    expect(got.name).toBe(want.name);
    expect(got.serviceName).toBe('planner');
    expect(got.resource['deployment.environment']).toBe('test');
    expect(got.scopeName).toBe('witness-test');
    expect(got.scopeVersion).toBe('1.2.3');
    expect(got.spanKind).toBe(want.kind + 1); // the API's enum is the OTLP one minus one
    expect(got.startTimeUnixNano).toBe(nanos(want.startTime));
    expect(got.endTimeUnixNano).toBe(nanos(want.endTime));
    expect(got.statusCode).toBe(['unset', 'ok', 'error'][want.status.code]);
    expect(got.statusMessage).toBe(want.status.message ?? '');
    expect(got.attributes).toEqual(want.attributes);
    expect(got.events.map((e) => [e.name, e.timeUnixNano, e.attributes])).toEqual(
      want.events.map((e) => [e.name, nanos(e.time), e.attributes ?? {}]),
    );
    expect(got.links.map((l) => [l.traceId, l.spanId, l.attributes])).toEqual(
      want.links.map((l) => [l.context.traceId, l.context.spanId, l.attributes ?? {}]),
    );
    expect(got.kind).toBe('other'); // derived fields are the normalizer's job
  }
}

describe('decodeTracesProto', () => {
  it('reads every field the official protobuf serializer writes', () => {
    const spans = officialSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans);
    expect(bytes).toBeDefined();
    const decoded = decodeTracesProto(bytes!);
    expectMatches(decoded, spans);
    const tool = decoded.spans.find((s) => s.name === 'execute_tool search')!;
    const ex = tool.events.find((e) => e.name === 'exception')!;
    expect(ex.attributes['exception.type']).toBe('TimeoutError');
    expect(ex.attributes['exception.message']).toBe('upstream timed out');
    expect(String(ex.attributes['exception.stacktrace'])).toContain('decode-traces.test.ts');
  });

  it('names the field and position of a bad trace id and rejects the whole request', () => {
    const spans = officialSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
    // Locate the first trace id (field 1, 16 bytes: tag 0x0a, length 0x10) and shorten its length.
    const good = decodeTracesProto(bytes).spans[0].traceId;
    const idBytes = Buffer.from(good, 'hex');
    const at = Buffer.from(bytes).indexOf(Buffer.concat([Buffer.from([0x0a, 0x10]), idBytes]));
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(bytes);
    bad[at + 1] = 0x05; // claims 5 bytes: the rest of the span becomes garbage fields
    expect(() => decodeTracesProto(bad)).toThrow(OtlpDecodeError);
    try {
      decodeTracesProto(bad);
    } catch (err) {
      expect((err as Error).message).toMatch(/^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]/);
    }
  });

  it('rejects truncated input at every cut point with OtlpDecodeError, never another error', () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(officialSpans())!;
    let rejected = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      try {
        decodeTracesProto(bytes.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(bytes.length / 2);
  });

  it('survives seeded random garbage and bit flips: OtlpDecodeError or a result, never a crash', () => {
    const base = ProtobufTraceSerializer.serializeRequest(officialSpans())!;
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 3000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = Uint8Array.from(base);
        for (let f = 0; f < 1 + (i % 5); f++)
          input[Math.floor(rand() * input.length)] ^= 1 << Math.floor(rand() * 8);
      } else {
        input = new Uint8Array(Math.floor(rand() * 200));
        for (let k = 0; k < input.length; k++) input[k] = Math.floor(rand() * 256);
      }
      try {
        decodeTracesProto(input);
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
      }
    }
  });

  it('rejects invalid UTF-8 in a span name, naming the field', () => {
    // ExportTraceServiceRequest{ resourceSpans{ scopeSpans{ spans{ traceId, spanId, name=0xff 0xfe } } } }
    const span = Buffer.concat([
      Buffer.from([0x0a, 16]),
      Buffer.alloc(16, 1),
      Buffer.from([0x12, 8]),
      Buffer.alloc(8, 2),
      Buffer.from([0x2a, 2, 0xff, 0xfe]),
    ]);
    const scopeSpans = Buffer.concat([Buffer.from([0x12, span.length]), span]);
    const resourceSpans = Buffer.concat([Buffer.from([0x12, scopeSpans.length]), scopeSpans]);
    const body = Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);
    expect(() => decodeTracesProto(body)).toThrow(/spans\[0\]\.name: string is not valid UTF-8/);
  });

  it('cuts huge attribute values and caps nesting instead of failing', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer('t').startSpan('big', { attributes: { huge: 'x'.repeat(200_000) } });
    span.end();
    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
    const decoded = decodeTracesProto(bytes, {
      maxAttributeValueBytes: 1000,
      maxAttributes: 1024,
      maxValueDepth: 32,
      maxNameBytes: 1024,
    });
    const value = String(decoded.spans[0].attributes.huge);
    expect(value.startsWith('x'.repeat(1000))).toBe(true);
    expect(value).toContain('truncated 200000 bytes');
    expect(value.length).toBeLessThan(1100);
  });

  it('counts spans with unusable times as rejected (partial success) and keeps the rest', () => {
    const spans = officialSpans();
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    const list = json.resourceSpans[0].scopeSpans[0].spans;
    list[0].endTimeUnixNano = '1';
    const decoded = decodeTracesJson(json);
    expect(decoded.rejected).toBe(1);
    expect(decoded.rejectMessage).toContain('ends before it starts');
    expect(decoded.spans).toHaveLength(spans.length - 1);
  });
});

describe('decodeTracesJson', () => {
  it('reads every field the official JSON serializer writes', () => {
    const spans = officialSpans();
    const bytes = JsonTraceSerializer.serializeRequest(spans)!;
    expectMatches(decodeTracesJson(bytes), spans);
  });

  it('accepts enum names and integers as strings, as the OTLP JSON mapping allows', () => {
    const decoded = decodeTracesJson({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'EEE19B7EC3C1B174',
                  name: 'x',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: 1700000000000001000,
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  attributes: [{ key: 'n', value: { intValue: '9007199254740993' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = decoded.spans;
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanKind).toBe(2);
    expect(span.statusCode).toBe('error');
    expect(span.serviceName).toBe('unknown_service');
    expect(span.attributes.n).toBe('9007199254740993'); // beyond 2^53: kept exact as text
  });

  it.each([
    [{ resourceSpans: {} }, /^resourceSpans: expected an array/],
    [
      { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz', spanId: 'EEE19B7EC3C1B174' }] }] }] },
      /spans\[0\]\.traceId: expected 32 hex/,
    ],
    [
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 5 }],
              },
            ],
          },
        ],
      },
      /spans\[0\]\.name: expected a string, got number/,
    ],
    [
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    startTimeUnixNano: {},
                  },
                ],
              },
            ],
          },
        ],
      },
      /spans\[0\]\.startTimeUnixNano: expected nanoseconds/,
    ],
  ])('names the path of a wrong type (%#)', (body, message) => {
    expect(() => decodeTracesJson(body)).toThrow(message);
  });

  it('rejects bodies that are not UTF-8 or not JSON', () => {
    expect(() => decodeTracesJson(Uint8Array.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
    expect(() => decodeTracesJson('{"resourceSpans": [')).toThrow(/not valid JSON/);
  });
});
