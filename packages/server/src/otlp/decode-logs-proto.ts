/**
 * ExportLogsServiceRequest (protobuf) → LogRecord[]. Field numbers: opentelemetry-proto
 * logs/v1/logs.proto. Trace and span ids are kept for trace ↔ log correlation; empty ids mean none.
 */
import type { Attributes, LogRecord } from '../model/index.js';
import { boundLogs } from './bound-strings.js';
import { readAnyValue, readAttribute, readResource, readScope, serviceNameOf } from './any-value-proto.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, OtlpDecodeError, Rejections } from './errors.js';
import { allZero, toHex } from './hex.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN } from './proto-reader.js';
import { logTimeProblem } from './usable-times.js';

export interface DecodedLogs {
  logs: LogRecord[];
  rejected: number;
  rejectMessage: string;
}

export function decodeLogsProto(body: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedLogs {
  const r = new ProtoReader(body);
  const logs: LogRecord[] = [];
  const rejections = new Rejections();
  const at = { resource: -1, scope: -1, record: -1, field: '' };
  const where = () =>
    `resourceLogs[${at.resource}]` +
    (at.scope >= 0 ? `.scopeLogs[${at.scope}]` : '') +
    (at.record >= 0 ? `.logRecords[${at.record}]` : '') +
    (at.field ? `.${at.field}` : '');
  try {
    const end = body.length;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag >>> 3 !== 1 || (tag & 7) !== WIRE_LEN) {
        r.skip(tag & 7, end);
        continue;
      }
      at.resource++;
      at.scope = -1;
      at.record = -1;
      const rlEnd = r.lengthEnd(end);
      let resource: Attributes = {};
      const scopes: number[] = [];
      while (r.pos < rlEnd) {
        const t = r.varint(rlEnd);
        if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) resource = readResource(r, r.lengthEnd(rlEnd), limits);
        else if (t >>> 3 === 2 && (t & 7) === WIRE_LEN) {
          const e = r.lengthEnd(rlEnd);
          scopes.push(r.pos, e);
          r.pos = e;
        } else r.skip(t & 7, rlEnd);
      }
      const serviceName = serviceNameOf(resource);
      for (let i = 0; i < scopes.length; i += 2) {
        at.scope = i / 2;
        at.record = -1;
        r.pos = scopes[i];
        const slEnd = scopes[i + 1];
        let scopeName = '';
        while (r.pos < slEnd) {
          const t = r.varint(slEnd);
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) scopeName = readScope(r, r.lengthEnd(slEnd)).name;
          else if (t >>> 3 === 2 && (t & 7) === WIRE_LEN) {
            at.record++;
            const log = readLogRecord(r, r.lengthEnd(slEnd), resource, serviceName, limits, at);
            const problem = logTimeProblem(log.timeUnixNano, log.observedTimeUnixNano);
            if (problem === null) logs.push(log);
            else rejections.add(problem);
          } else r.skip(t & 7, slEnd);
        }
        at.field = '';
        // Scope name may follow the records on the wire: fill it in afterwards.
        for (let j = logs.length - 1; j >= 0 && logs[j].scopeName === '\u0000'; j--)
          logs[j].scopeName = scopeName;
      }
      r.pos = rlEnd;
    }
  } catch (err) {
    if (err instanceof OtlpDecodeError) {
      err.message =
        at.resource < 0 ? `ExportLogsServiceRequest: ${err.message}` : `${where()}: ${err.message}`;
    }
    throw err;
  }
  boundLogs(logs, limits);
  return { logs, rejected: rejections.count, rejectMessage: rejections.message };
}

function readOptionalId(
  r: ProtoReader,
  end: number,
  bytes: number,
  at: { field: string },
  field: string,
): string | null {
  const idEnd = r.lengthEnd(end);
  const start = r.pos;
  r.pos = idEnd;
  if (idEnd === start || allZero(r.buf, start, idEnd)) return null;
  if (idEnd - start !== bytes) {
    at.field = field;
    throw new OtlpDecodeError(`expected ${bytes} bytes, got ${idEnd - start}`);
  }
  return toHex(r.buf, start, idEnd);
}

function readLogRecord(
  r: ProtoReader,
  end: number,
  resource: Attributes,
  serviceName: string,
  limits: DecodeLimits,
  at: { field: string },
): LogRecord {
  const log: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: '',
    traceId: null,
    spanId: null,
    serviceName,
    attributes: {},
    resource,
    scopeName: '\u0000', // placeholder until the scope is known
  };
  const counter = { n: 0 };
  let eventName = '';
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wire !== WIRE_FIXED64) throw new OtlpDecodeError('timeUnixNano has the wrong wire type');
        log.timeUnixNano = r.fixed64(end);
        break;
      case 2:
        log.severityNumber = r.varint(end);
        break;
      case 3:
        at.field = 'severityText';
        log.severityText = r.stringTo(r.lengthEnd(end));
        break;
      case 5: {
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('body has the wrong wire type');
        at.field = 'body';
        const value = readAnyValue(r, r.lengthEnd(end), limits, 0);
        log.body = typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value);
        break;
      }
      case 6:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('attributes has the wrong wire type');
        at.field = 'attributes';
        readAttribute(r, r.lengthEnd(end), log.attributes, limits, counter);
        break;
      case 9:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('traceId has the wrong wire type');
        log.traceId = readOptionalId(r, end, 16, at, 'traceId');
        break;
      case 10:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('spanId has the wrong wire type');
        log.spanId = readOptionalId(r, end, 8, at, 'spanId');
        break;
      case 11:
        if (wire !== WIRE_FIXED64) throw new OtlpDecodeError('observedTimeUnixNano has the wrong wire type');
        log.observedTimeUnixNano = r.fixed64(end);
        break;
      case 12:
        // event_name: events (gen_ai.evaluation.result…) arrive as log records named here; kept as the
        // `event.name` attribute older SDKs set themselves, so the model and the store need no new field
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('eventName has the wrong wire type');
        at.field = 'eventName';
        eventName = r.stringTo(r.lengthEnd(end));
        break;
      default:
        r.skip(wire, end);
    }
    at.field = '';
  }
  if (eventName !== '' && log.attributes['event.name'] === undefined)
    log.attributes['event.name'] = eventName;
  if (log.timeUnixNano === 0n) log.timeUnixNano = log.observedTimeUnixNano;
  return log;
}
