/**
 * ExportTraceServiceRequest (protobuf) → SpanRecord[], read straight from the request bytes.
 * Field numbers: opentelemetry-proto trace/v1/trace.proto and collector/trace/v1/trace_service.proto.
 */
import {
  type Attributes,
  newSpanRecord,
  type SpanEvent,
  type SpanLink,
  type SpanRecord,
  type StatusCode,
} from '../model/index.js';
import { boundSpans } from './bound-strings.js';
import { readAttribute, readResource, readScope, type Scope, serviceNameOf } from './any-value-proto.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, OtlpDecodeError, Rejections } from './errors.js';
import { allZero, toHex } from './hex.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN } from './proto-reader.js';
import { spanTimeProblem } from './usable-times.js';

export interface DecodedSpans {
  spans: SpanRecord[];
  /** Spans left out (unusable times): answered as partial_success. */
  rejected: number;
  rejectMessage: string;
}

const STATUS: StatusCode[] = ['unset', 'ok', 'error'];

/** Where the decoder is, so an error can name the field: `resourceSpans[0].scopeSpans[1].spans[3].traceId`. */
class Position {
  resource = -1;
  scope = -1;
  span = -1;
  field = '';
  toString(): string {
    let p = `resourceSpans[${this.resource}]`;
    if (this.scope >= 0) p += `.scopeSpans[${this.scope}]`;
    if (this.span >= 0) p += `.spans[${this.span}]`;
    return this.field ? `${p}.${this.field}` : p;
  }
}

export function decodeTracesProto(
  body: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): DecodedSpans {
  const r = new ProtoReader(body);
  const spans: SpanRecord[] = [];
  const rejections = new Rejections();
  const at = new Position();
  try {
    const end = body.length;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) {
        at.resource++;
        at.scope = -1;
        at.span = -1;
        readResourceSpans(r, r.lengthEnd(end), spans, rejections, limits, at);
      } else r.skip(tag & 7, end);
    }
  } catch (err) {
    if (err instanceof OtlpDecodeError) {
      err.message = at.resource < 0 ? `ExportTraceServiceRequest: ${err.message}` : `${at}: ${err.message}`;
    }
    throw err;
  }
  boundSpans(spans, limits);
  return { spans, rejected: rejections.count, rejectMessage: rejections.message };
}

function readResourceSpans(
  r: ProtoReader,
  end: number,
  out: SpanRecord[],
  rejections: Rejections,
  limits: DecodeLimits,
  at: Position,
): void {
  // The resource may come after its scope spans on the wire: remember the spans' offsets first.
  let resource: Attributes = {};
  const scopeRanges: number[] = [];
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) {
      at.field = 'resource';
      resource = readResource(r, r.lengthEnd(end), limits);
      at.field = '';
    } else if (field === 2 && (tag & 7) === WIRE_LEN) {
      const scopeEnd = r.lengthEnd(end);
      scopeRanges.push(r.pos, scopeEnd);
      r.pos = scopeEnd;
    } else r.skip(tag & 7, end);
  }
  const serviceName = serviceNameOf(resource);
  const resumeAt = r.pos;
  for (let i = 0; i < scopeRanges.length; i += 2) {
    at.scope = i / 2;
    at.span = -1;
    r.pos = scopeRanges[i];
    readScopeSpans(r, scopeRanges[i + 1], resource, serviceName, out, rejections, limits, at);
  }
  r.pos = resumeAt;
}

function readScopeSpans(
  r: ProtoReader,
  end: number,
  resource: Attributes,
  serviceName: string,
  out: SpanRecord[],
  rejections: Rejections,
  limits: DecodeLimits,
  at: Position,
): void {
  let scope: Scope = { name: '', version: '' };
  const spanRanges: number[] = [];
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) {
      at.field = 'scope';
      scope = readScope(r, r.lengthEnd(end));
      at.field = '';
    } else if (field === 2 && (tag & 7) === WIRE_LEN) {
      const spanEnd = r.lengthEnd(end);
      spanRanges.push(r.pos, spanEnd);
      r.pos = spanEnd;
    } else r.skip(tag & 7, end);
  }
  const resumeAt = r.pos;
  for (let i = 0; i < spanRanges.length; i += 2) {
    at.span = i / 2;
    r.pos = spanRanges[i];
    const span = readSpan(r, spanRanges[i + 1], resource, serviceName, scope, limits, at);
    const problem = spanTimeProblem(span.startTimeUnixNano, span.endTimeUnixNano);
    if (problem === null) out.push(span);
    else rejections.add(problem);
  }
  r.pos = resumeAt;
}

/** Validates the id bytes at [start, end) and returns them as hex. */
function idAt(
  buf: Uint8Array,
  start: number,
  end: number,
  bytes: number,
  at: Position,
  field: string,
): string {
  if (end - start !== bytes) {
    at.field = field;
    throw new OtlpDecodeError(`expected ${bytes} bytes, got ${end - start}`);
  }
  if (allZero(buf, start, end)) {
    at.field = field;
    throw new OtlpDecodeError('all-zero id is invalid');
  }
  return toHex(buf, start, end);
}

function readId(r: ProtoReader, end: number, bytes: number, at: Position, field: string): string {
  const idEnd = r.lengthEnd(end);
  const hex = idAt(r.buf, r.pos, idEnd, bytes, at, field);
  r.pos = idEnd;
  return hex;
}

function readSpan(
  r: ProtoReader,
  end: number,
  resource: Attributes,
  serviceName: string,
  scope: Scope,
  limits: DecodeLimits,
  at: Position,
): SpanRecord {
  const span = newSpanRecord(serviceName, resource, scope.name, scope.version);
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('traceId has the wrong wire type');
        span.traceId = readId(r, end, 16, at, 'traceId');
        break;
      case 2:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('spanId has the wrong wire type');
        span.spanId = readId(r, end, 8, at, 'spanId');
        break;
      case 4: {
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('parentSpanId has the wrong wire type');
        const idEnd = r.lengthEnd(end);
        // Empty or all-zero parent: a root span.
        if (idEnd > r.pos && !allZero(r.buf, r.pos, idEnd)) {
          span.parentSpanId = idAt(r.buf, r.pos, idEnd, 8, at, 'parentSpanId');
        }
        r.pos = idEnd;
        break;
      }
      case 5:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('name has the wrong wire type');
        at.field = 'name';
        span.name = r.stringTo(r.lengthEnd(end));
        at.field = '';
        break;
      case 6:
        span.spanKind = r.varint(end);
        break;
      case 7:
        if (wire !== WIRE_FIXED64) throw new OtlpDecodeError('startTimeUnixNano has the wrong wire type');
        span.startTimeUnixNano = r.fixed64(end);
        break;
      case 8:
        if (wire !== WIRE_FIXED64) throw new OtlpDecodeError('endTimeUnixNano has the wrong wire type');
        span.endTimeUnixNano = r.fixed64(end);
        break;
      case 9:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('attributes has the wrong wire type');
        at.field = 'attributes';
        readAttribute(r, r.lengthEnd(end), span.attributes, limits, counter);
        at.field = '';
        break;
      case 11:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('events has the wrong wire type');
        at.field = `events[${span.events.length}]`;
        span.events.push(readEvent(r, r.lengthEnd(end), limits));
        at.field = '';
        break;
      case 13:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('links has the wrong wire type');
        at.field = `links[${span.links.length}]`;
        span.links.push(readLink(r, r.lengthEnd(end), limits, at));
        at.field = '';
        break;
      case 15:
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('status has the wrong wire type');
        at.field = 'status';
        readStatus(r, r.lengthEnd(end), span);
        at.field = '';
        break;
      default:
        r.skip(wire, end);
    }
  }
  if (span.traceId === '') {
    at.field = 'traceId';
    throw new OtlpDecodeError('missing (expected 16 bytes)');
  }
  if (span.spanId === '') {
    at.field = 'spanId';
    throw new OtlpDecodeError('missing (expected 8 bytes)');
  }
  return span;
}

function readEvent(r: ProtoReader, end: number, limits: DecodeLimits): SpanEvent {
  const event: SpanEvent = { name: '', timeUnixNano: 0n, attributes: {} };
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_FIXED64) event.timeUnixNano = r.fixed64(end);
    else if (field === 2 && (tag & 7) === WIRE_LEN) event.name = r.stringTo(r.lengthEnd(end));
    else if (field === 3 && (tag & 7) === WIRE_LEN)
      readAttribute(r, r.lengthEnd(end), event.attributes, limits, counter);
    else r.skip(tag & 7, end);
  }
  return event;
}

function readLink(r: ProtoReader, end: number, limits: DecodeLimits, at: Position): SpanLink {
  const link: SpanLink = { traceId: '', spanId: '', attributes: {} };
  const counter = { n: 0 };
  const field0 = at.field;
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) link.traceId = readId(r, end, 16, at, `${field0}.traceId`);
    else if (field === 2 && (tag & 7) === WIRE_LEN) link.spanId = readId(r, end, 8, at, `${field0}.spanId`);
    else if (field === 4 && (tag & 7) === WIRE_LEN)
      readAttribute(r, r.lengthEnd(end), link.attributes, limits, counter);
    else r.skip(tag & 7, end);
  }
  // a link must point somewhere, as in OTLP/JSON (where missing ids fail the same way)
  if (link.traceId === '' || link.spanId === '') {
    at.field = `${field0}.${link.traceId === '' ? 'traceId' : 'spanId'}`;
    throw new OtlpDecodeError('missing');
  }
  return link;
}

function readStatus(r: ProtoReader, end: number, span: SpanRecord): void {
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 2 && (tag & 7) === WIRE_LEN) span.statusMessage = r.stringTo(r.lengthEnd(end));
    else if (field === 3 && (tag & 7) === 0) span.statusCode = STATUS[r.varint(end)] ?? 'unset';
    else r.skip(tag & 7, end);
  }
}
