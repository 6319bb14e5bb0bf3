/**
 * OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions: lowerCamelCase names, hex trace and span
 * ids, 64-bit integers as numbers or decimal strings, enums as numbers or names) → records.
 * Every wrong type is an OtlpDecodeError naming its path.
 */
import {
  type Attributes,
  type AttrValue,
  type LogRecord,
  newSpanRecord,
  type SpanEvent,
  type SpanLink,
  type SpanRecord,
  type StatusCode,
} from '../model/index.js';
import type { DecodedLogs } from './decode-logs-proto.js';
import type { DecodedSpans } from './decode-traces-proto.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, OtlpDecodeError, Rejections } from './errors.js';
import { normalizeHexId } from './hex.js';
import { boundLogs, boundSpans } from './bound-strings.js';
import { truncateString } from './truncate-value.js';
import { serviceNameOf } from './any-value-proto.js';
import { logTimeProblem, spanTimeProblem } from './usable-times.js';

type Json = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON body; bytes that are not UTF-8 or not JSON are a 400 with the parser's reason. */
export function parseJsonBody(body: Uint8Array | string): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = utf8.decode(body);
    } catch {
      throw new OtlpDecodeError('body is not valid UTF-8');
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
}

function fail(path: string, message: string): never {
  throw new OtlpDecodeError(`${path}: ${message}`);
}

function obj(v: unknown, path: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    fail(path, `expected an object, got ${typeName(v)}`);
  return v as Json;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, `expected an array, got ${typeName(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(path, `expected a string, got ${typeName(v)}`);
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

const DECIMAL = /^-?\d+$/;
const UNSIGNED = /^\d{1,20}$/;

function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeName(v);
}

/** uint64 nanoseconds: a JSON number or a decimal string. */
function nanos(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  // fixed64 on the wire: unsigned, at most 20 digits (values past int64 are rejected as unusable later)
  if (typeof v === 'string' && UNSIGNED.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  fail(path, `expected nanoseconds as a non-negative integer or decimal string, got ${describeValue(v)}`);
}

function int(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  fail(path, `expected an integer, got ${typeName(v)}`);
}

function enumValue(v: unknown, path: string, names: Record<string, number>): number {
  if (typeof v === 'string' && v in names) return names[v];
  return int(v, path);
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};
const STATUS: StatusCode[] = ['unset', 'ok', 'error'];
const SEVERITIES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
for (const [i, n] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  SEVERITIES[`SEVERITY_NUMBER_${n}`] = i * 4 + 1;
  for (let k = 2; k <= 4; k++) SEVERITIES[`SEVERITY_NUMBER_${n}${k}`] = i * 4 + k;
}

function anyValue(v: unknown, path: string, limits: DecodeLimits, depth: number): AttrValue {
  if (depth > limits.maxValueDepth) fail(path, `attribute value nested deeper than ${limits.maxValueDepth}`);
  if (v === undefined || v === null) return null;
  const o = obj(v, path);
  if ('stringValue' in o) {
    return truncateString(str(o.stringValue, `${path}.stringValue`), limits.maxAttributeValueBytes);
  }
  if ('boolValue' in o) {
    if (typeof o.boolValue !== 'boolean')
      fail(`${path}.boolValue`, `expected a boolean, got ${typeName(o.boolValue)}`);
    return o.boolValue;
  }
  if ('intValue' in o) {
    const iv = o.intValue;
    if (typeof iv === 'number' && Number.isInteger(iv)) return iv;
    if (typeof iv === 'string' && DECIMAL.test(iv)) {
      const n = Number(iv);
      return Number.isSafeInteger(n) ? n : iv;
    }
    fail(`${path}.intValue`, `expected an integer, got ${typeName(iv)}`);
  }
  if ('doubleValue' in o) {
    const d = o.doubleValue;
    if (typeof d === 'number') return d;
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return Number(d);
    fail(`${path}.doubleValue`, `expected a number, got ${typeName(d)}`);
  }
  if ('arrayValue' in o) {
    const values = arr(obj(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return values.map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, limits, depth + 1));
  }
  if ('kvlistValue' in o) {
    const out: Attributes = {};
    const values = arr(obj(o.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
    for (let i = 0; i < values.length; i++)
      keyValue(values[i], `${path}.kvlistValue.values[${i}]`, out, limits, depth + 1);
    return out;
  }
  if ('bytesValue' in o) return str(o.bytesValue, `${path}.bytesValue`);
  return null;
}

function keyValue(v: unknown, path: string, into: Attributes, limits: DecodeLimits, depth: number): void {
  const kv = obj(v, path);
  const key = truncateString(str(kv.key, `${path}.key`), limits.maxNameBytes);
  into[key] = anyValue(kv.value, `${path}.value`, limits, depth);
}

function attributes(v: unknown, path: string, limits: DecodeLimits): Attributes {
  const out: Attributes = {};
  const list = arr(v, path);
  const n = Math.min(list.length, limits.maxAttributes);
  for (let i = 0; i < n; i++) keyValue(list[i], `${path}[${i}]`, out, limits, 0);
  return out;
}

function requiredId(v: unknown, bytes: number, path: string): string {
  const s = str(v, path);
  const id = normalizeHexId(s, bytes);
  if (id === null)
    fail(path, `expected ${bytes * 2} hex characters (not all zero), got ${JSON.stringify(s.slice(0, 40))}`);
  return id;
}

function optionalId(v: unknown, bytes: number, path: string): string | null {
  const s = str(v, path);
  if (s === '' || /^0+$/.test(s)) return null;
  return requiredId(s, bytes, path);
}

export function decodeTracesJson(
  body: Uint8Array | string | unknown,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): DecodedSpans {
  const root = obj(
    typeof body === 'string' || body instanceof Uint8Array ? parseJsonBody(body) : body,
    'ExportTraceServiceRequest',
  );
  const spans: SpanRecord[] = [];
  const rejections = new Rejections();
  arr(root.resourceSpans, 'resourceSpans').forEach((rsv, ri) => {
    const rp = `resourceSpans[${ri}]`;
    const rs = obj(rsv, rp);
    const resource = attributes(
      rs.resource === undefined ? undefined : obj(rs.resource, `${rp}.resource`).attributes,
      `${rp}.resource.attributes`,
      limits,
    );
    const serviceName = serviceNameOf(resource);
    arr(rs.scopeSpans, `${rp}.scopeSpans`).forEach((ssv, si) => {
      const sp = `${rp}.scopeSpans[${si}]`;
      const ss = obj(ssv, sp);
      const scope = ss.scope === undefined ? {} : obj(ss.scope, `${sp}.scope`);
      const scopeName = str(scope.name, `${sp}.scope.name`);
      const scopeVersion = str(scope.version, `${sp}.scope.version`);
      arr(ss.spans, `${sp}.spans`).forEach((sv, i) => {
        const p = `${sp}.spans[${i}]`;
        const s = obj(sv, p);
        const status = s.status === undefined || s.status === null ? {} : obj(s.status, `${p}.status`);
        const span = newSpanRecord(serviceName, resource, scopeName, scopeVersion);
        span.traceId = requiredId(s.traceId, 16, `${p}.traceId`);
        span.spanId = requiredId(s.spanId, 8, `${p}.spanId`);
        span.parentSpanId = optionalId(s.parentSpanId, 8, `${p}.parentSpanId`);
        span.name = str(s.name, `${p}.name`);
        span.spanKind = enumValue(s.kind, `${p}.kind`, SPAN_KINDS);
        span.startTimeUnixNano = nanos(s.startTimeUnixNano, `${p}.startTimeUnixNano`);
        span.endTimeUnixNano = nanos(s.endTimeUnixNano, `${p}.endTimeUnixNano`);
        span.statusCode = STATUS[enumValue(status.code, `${p}.status.code`, STATUS_CODES)] ?? 'unset';
        span.statusMessage = str(status.message, `${p}.status.message`);
        span.attributes = attributes(s.attributes, `${p}.attributes`, limits);
        span.events = arr(s.events, `${p}.events`).map((ev, k): SpanEvent => {
          const ep = `${p}.events[${k}]`;
          const e = obj(ev, ep);
          return {
            name: str(e.name, `${ep}.name`),
            timeUnixNano: nanos(e.timeUnixNano, `${ep}.timeUnixNano`),
            attributes: attributes(e.attributes, `${ep}.attributes`, limits),
          };
        });
        span.links = arr(s.links, `${p}.links`).map((lv, k): SpanLink => {
          const lp = `${p}.links[${k}]`;
          const l = obj(lv, lp);
          return {
            traceId: requiredId(l.traceId, 16, `${lp}.traceId`),
            spanId: requiredId(l.spanId, 8, `${lp}.spanId`),
            attributes: attributes(l.attributes, `${lp}.attributes`, limits),
          };
        });
        const problem = spanTimeProblem(span.startTimeUnixNano, span.endTimeUnixNano);
        if (problem === null) spans.push(span);
        else rejections.add(problem);
      });
    });
  });
  boundSpans(spans, limits);
  return { spans, rejected: rejections.count, rejectMessage: rejections.message };
}

export function decodeLogsJson(
  body: Uint8Array | string | unknown,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): DecodedLogs {
  const root = obj(
    typeof body === 'string' || body instanceof Uint8Array ? parseJsonBody(body) : body,
    'ExportLogsServiceRequest',
  );
  const logs: LogRecord[] = [];
  const rejections = new Rejections();
  arr(root.resourceLogs, 'resourceLogs').forEach((rlv, ri) => {
    const rp = `resourceLogs[${ri}]`;
    const rl = obj(rlv, rp);
    const resource = attributes(
      rl.resource === undefined ? undefined : obj(rl.resource, `${rp}.resource`).attributes,
      `${rp}.resource.attributes`,
      limits,
    );
    const serviceName = serviceNameOf(resource);
    arr(rl.scopeLogs, `${rp}.scopeLogs`).forEach((slv, si) => {
      const sp = `${rp}.scopeLogs[${si}]`;
      const sl = obj(slv, sp);
      const scopeName =
        sl.scope === undefined ? '' : str(obj(sl.scope, `${sp}.scope`).name, `${sp}.scope.name`);
      arr(sl.logRecords, `${sp}.logRecords`).forEach((lv, i) => {
        const p = `${sp}.logRecords[${i}]`;
        const l = obj(lv, p);
        const body = anyValue(l.body, `${p}.body`, limits, 0);
        const observed = nanos(l.observedTimeUnixNano, `${p}.observedTimeUnixNano`);
        const time = nanos(l.timeUnixNano, `${p}.timeUnixNano`);
        const log: LogRecord = {
          timeUnixNano: time === 0n ? observed : time,
          observedTimeUnixNano: observed,
          severityNumber: enumValue(l.severityNumber, `${p}.severityNumber`, SEVERITIES),
          severityText: str(l.severityText, `${p}.severityText`),
          body: typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body),
          traceId: optionalId(l.traceId, 16, `${p}.traceId`),
          spanId: optionalId(l.spanId, 8, `${p}.spanId`),
          serviceName,
          attributes: attributes(l.attributes, `${p}.attributes`, limits),
          resource,
          scopeName,
        };
        // eventName: kept as the `event.name` attribute (see decode-logs-proto.ts)
        if (l.eventName !== undefined && log.attributes['event.name'] === undefined) {
          const eventName = str(l.eventName, `${p}.eventName`);
          if (eventName !== '') log.attributes['event.name'] = eventName;
        }
        const problem = logTimeProblem(log.timeUnixNano, log.observedTimeUnixNano);
        if (problem === null) logs.push(log);
        else rejections.add(problem);
      });
    });
  });
  boundLogs(logs, limits);
  return { logs, rejected: rejections.count, rejectMessage: rejections.message };
}

/** The shared JSON readers, for the metrics decoder (one OTLP stack: same limits, same errors). */
export {
  attributes as jsonAttributes,
  arr as jsonArray,
  nanos as jsonNanos,
  obj as jsonObject,
  str as jsonString,
};
