/** The trace and log OTLP signals for the HTTP layer: which decoder, which response. */
import type { DecodedExport, OtlpFormat, OtlpSignal } from '../http/index.js';
import { decodeLogsJson, decodeTracesJson } from './decode-json.js';
import { decodeLogsProto } from './decode-logs-proto.js';
import { decodeTracesProto } from './decode-traces-proto.js';
import { encodeExportResponse } from './encode-response.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, OtlpDecodeError } from './errors.js';

export function tracesSignal(limits: DecodeLimits = DEFAULT_DECODE_LIMITS): OtlpSignal {
  return {
    path: '/v1/traces',
    decode(body: Uint8Array, format: OtlpFormat): DecodedExport {
      const d = format === 'protobuf' ? decodeTracesProto(body, limits) : decodeTracesJson(body, limits);
      return { batch: { spans: d.spans, logs: [] }, rejected: d.rejected, message: d.rejectMessage };
    },
    encodeResponse: (format, rejected, message) => encodeExportResponse('traces', rejected, message, format),
    isDecodeError: (err) => err instanceof OtlpDecodeError,
  };
}

export function logsSignal(limits: DecodeLimits = DEFAULT_DECODE_LIMITS): OtlpSignal {
  return {
    path: '/v1/logs',
    decode(body: Uint8Array, format: OtlpFormat): DecodedExport {
      const d = format === 'protobuf' ? decodeLogsProto(body, limits) : decodeLogsJson(body, limits);
      return { batch: { spans: [], logs: d.logs }, rejected: d.rejected, message: d.rejectMessage };
    },
    encodeResponse: (format, rejected, message) => encodeExportResponse('logs', rejected, message, format),
    isDecodeError: (err) => err instanceof OtlpDecodeError,
  };
}
