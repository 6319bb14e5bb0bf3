/**
 * otlp: OTLP/HTTP request bodies (protobuf and JSON) → normalized records, and the export responses.
 * The protobuf path is hand-written for speed (bench/otlp-decode.ts measures it against protobufjs).
 */
export {
  readAttribute,
  readResource,
  readScope,
  serviceNameOf,
} from './any-value-proto.js';
export {
  decodeLogsJson,
  decodeTracesJson,
  jsonArray,
  jsonAttributes,
  jsonNanos,
  jsonObject,
  jsonString,
  parseJsonBody,
} from './decode-json.js';
export {
  boundDerivedFields,
  boundLogs,
  boundSpans,
  TRUNCATED_ATTRIBUTE,
  TRUNCATED_FIELDS_ATTRIBUTE,
} from './bound-strings.js';
export { type DecodedLogs, decodeLogsProto } from './decode-logs-proto.js';
export { type DecodedSpans, decodeTracesProto } from './decode-traces-proto.js';
export { encodeExportResponse, type OtlpSignalName } from './encode-response.js';
export { DEFAULT_DECODE_LIMITS, type DecodeLimits, OtlpDecodeError } from './errors.js';
export { ProtoReader, WIRE_FIXED64, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';
export { logsSignal, tracesSignal } from './signals.js';
export { truncateString } from './truncate-value.js';
