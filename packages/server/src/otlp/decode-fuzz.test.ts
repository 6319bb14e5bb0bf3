/**
 * Seeded fuzzing of the paths decode-traces.test.ts does not fuzz: protobuf logs, and OTLP/JSON text
 * for both signals. Every input must either decode or throw OtlpDecodeError (a 400), never another
 * error type (a 500) and never hang.
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonTraceSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeLogsJson, decodeLogsProto, decodeTracesJson, OtlpDecodeError } from './index.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function expectDecodesOrRejects(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw err; // surfaces the unexpected error and its stack
  }
}

const logRecords = [
  {
    resource: resourceFromAttributes({ 'service.name': 'fuzz' }),
    instrumentationScope: { name: 'fuzz', version: '1' },
    droppedAttributesCount: 0,
    hrTime: [1_700_000_000, 5],
    hrTimeObserved: [1_700_000_000, 6],
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: { nested: ['a', 1, true], text: 'ünïcode' },
    attributes: { 'tool.name': 'search', attempt: 2, ratio: 0.5 },
    spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
  },
] as unknown as ReadableLogRecord[];

describe('fuzzing', () => {
  it('protobuf logs: truncations and seeded bit flips', () => {
    const base = ProtobufLogsSerializer.serializeRequest(logRecords)!;
    expect(decodeLogsProto(base).logs).toHaveLength(1);
    for (let cut = 0; cut < base.length; cut++)
      expectDecodesOrRejects(() => decodeLogsProto(base.subarray(0, cut)));
    const rand = seeded(7);
    for (let i = 0; i < 2000; i++) {
      const input = Uint8Array.from(base);
      for (let f = 0; f < 1 + (i % 4); f++)
        input[Math.floor(rand() * input.length)] ^= 1 << Math.floor(rand() * 8);
      expectDecodesOrRejects(() => decodeLogsProto(input));
    }
  });

  it('OTLP/JSON traces and logs: seeded character mutations and truncations', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider
      .getTracer('fuzz')
      .startSpan('op', { attributes: { a: 1, b: 'x', c: [true, false] } });
    span.addEvent('e', { k: 2.5 });
    span.end();
    const traces = new TextDecoder().decode(
      JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans()),
    );
    const logs = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '5',
                  severityNumber: 'SEVERITY_NUMBER_WARN',
                  body: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [] } } }] } },
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                },
              ],
            },
          ],
        },
      ],
    });
    // replacements that keep JSON valid often enough to reach the type checks, not just the parser
    const swaps = ['0', '"x"', '{}', '[]', 'null', 'true', '-1', '1e400', '"ZZ"', '""'];
    const rand = seeded(11);
    for (const [text, decode] of [
      [traces, decodeTracesJson],
      [logs, decodeLogsJson],
    ] as const) {
      for (let i = 0; i < 1500; i++) {
        let mutated: string;
        const at = Math.floor(rand() * text.length);
        if (i % 3 === 0) mutated = text.slice(0, at);
        else {
          const valueStart = text.indexOf(':', at);
          const valueEnd = valueStart < 0 ? -1 : text.slice(valueStart + 1).search(/[,}\]]/);
          mutated =
            valueStart < 0 || valueEnd < 0
              ? text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + text.slice(at + 1)
              : text.slice(0, valueStart + 1) +
                swaps[Math.floor(rand() * swaps.length)] +
                text.slice(valueStart + 1 + valueEnd);
        }
        expectDecodesOrRejects(() => decode(mutated));
      }
    }
  });
});
