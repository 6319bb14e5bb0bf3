import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { decodeLogsJson, decodeLogsProto, encodeExportResponse, OtlpDecodeError } from './index.js';

/**
 * Log records in the SDK's ReadableLogRecord shape, serialized by the official serializers. (Built by
 * hand: the installed sdk-logs LoggerProvider does not hand records to its processors here.)
 */
function officialLogs(): ReadableLogRecord[] {
  const resource = resourceFromAttributes({ 'service.name': 'researcher' });
  const instrumentationScope = { name: 'witness-logs', version: '1.0.0' };
  const base = {
    resource,
    instrumentationScope,
    droppedAttributesCount: 0,
    hrTime: [1_700_000_000, 5] as [number, number],
  };
  return [
    {
      ...base,
      hrTimeObserved: [1_700_000_000, 6],
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'search returned 0 results',
      attributes: { 'tool.name': 'search', attempt: 2 },
      spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
    },
    {
      ...base,
      hrTimeObserved: [1_700_000_001, 0],
      severityNumber: SeverityNumber.INFO,
      body: { structured: true, n: 3 },
      attributes: {},
    },
  ] as unknown as ReadableLogRecord[];
}

describe('OTLP logs', () => {
  it.each([
    ['protobuf', (l: ReadableLogRecord[]) => decodeLogsProto(ProtobufLogsSerializer.serializeRequest(l)!)],
    ['json', (l: ReadableLogRecord[]) => decodeLogsJson(JsonLogsSerializer.serializeRequest(l)!)],
  ])('reads what the official %s serializer writes', (_format, decode) => {
    const records = officialLogs();
    const { logs, rejected } = decode(records);
    expect(rejected).toBe(0);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'search returned 0 results',
      serviceName: 'researcher',
      scopeName: 'witness-logs',
      attributes: { 'tool.name': 'search', attempt: 2 },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
    expect(logs[0].timeUnixNano).toBe(1_700_000_000_000_000_005n);
    expect(logs[1].traceId).toBeNull();
    expect(JSON.parse(logs[1].body)).toEqual({ structured: true, n: 3 });
    expect(logs[0].timeUnixNano).toBeGreaterThan(0n);
  });

  it('keeps trace and span ids for correlation, and rejects malformed ones', () => {
    const body = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '5',
                  body: { stringValue: 'hi' },
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decodeLogsJson(body).logs[0]).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
    body.resourceLogs[0].scopeLogs[0].logRecords[0].spanId = 'nothex!!';
    expect(() => decodeLogsJson(body)).toThrow(/logRecords\[0\]\.spanId: expected 16 hex/);
    expect(() => decodeLogsProto(Uint8Array.from([0x0a, 0x05, 0x12]))).toThrow(OtlpDecodeError);
  });
});

describe('encodeExportResponse', () => {
  it('is empty on full success and carries partial_success otherwise', () => {
    expect(encodeExportResponse('traces', 0, '', 'protobuf')).toHaveLength(0);
    expect(encodeExportResponse('traces', 0, '', 'json')).toBe('{}');
    const bytes = encodeExportResponse('traces', 3, 'span ends before it starts', 'protobuf') as Uint8Array;
    // partial_success (field 1) { rejected_spans (1) = 3; error_message (2) = "…" }
    expect([...bytes.subarray(0, 4)]).toEqual([0x0a, bytes.length - 2, 0x08, 3]);
    expect(Buffer.from(bytes.subarray(6)).toString()).toBe('span ends before it starts');
    expect(JSON.parse(encodeExportResponse('logs', 2, 'x', 'json') as string)).toEqual({
      partialSuccess: { rejectedLogRecords: '2', errorMessage: 'x' },
    });
  });

  it('is read back by the official OpenTelemetry response deserializers', () => {
    const proto = (signal: 'traces' | 'logs' | 'metrics', n: number, m: string) =>
      encodeExportResponse(signal, n, m, 'protobuf') as Uint8Array;
    expect(ProtobufTraceSerializer.deserializeResponse(proto('traces', 300, 'bad ü'))).toEqual({
      partialSuccess: { rejectedSpans: 300, errorMessage: 'bad ü' },
    });
    expect(ProtobufLogsSerializer.deserializeResponse(proto('logs', 2, 'x'))).toEqual({
      partialSuccess: { rejectedLogRecords: 2, errorMessage: 'x' },
    });
    expect(ProtobufMetricsSerializer.deserializeResponse(proto('metrics', 2 ** 40, 'y'))).toEqual({
      partialSuccess: { rejectedDataPoints: 2 ** 40, errorMessage: 'y' },
    });
    expect(ProtobufTraceSerializer.deserializeResponse(proto('traces', 0, ''))).toEqual({});
    const json = encodeExportResponse('traces', 3, 'z', 'json') as string;
    expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(json))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'z' },
    });
  });
});
