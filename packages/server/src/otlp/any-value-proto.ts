/** OTLP KeyValue / AnyValue (common/v1/common.proto) read from protobuf into plain JS values. */
import type { Attributes, AttrValue } from '../model/index.js';
import { type DecodeLimits, OtlpDecodeError } from './errors.js';
import { type ProtoReader, WIRE_LEN } from './proto-reader.js';
import { truncateString, truncationMarker, utf8PrefixLength } from './truncate-value.js';

/** Reads `repeated KeyValue` entries of [pos, end) into `into` (one KeyValue message). */
export function readKeyValue(
  r: ProtoReader,
  end: number,
  into: Attributes,
  limits: DecodeLimits,
  depth: number,
): void {
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN)
      key = truncateString(r.stringTo(r.lengthEnd(end)), limits.maxNameBytes);
    else if (field === 2 && (tag & 7) === WIRE_LEN)
      value = readAnyValue(r, r.lengthEnd(end), limits, depth + 1);
    else r.skip(tag & 7, end);
  }
  into[key] = value;
}

/** Reads a `repeated KeyValue` field into `into`, honouring the attribute-count limit. */
export function readAttribute(
  r: ProtoReader,
  end: number,
  into: Attributes,
  limits: DecodeLimits,
  counter: { n: number },
): void {
  if (counter.n >= limits.maxAttributes) {
    r.pos = end;
    return;
  }
  counter.n++;
  readKeyValue(r, end, into, limits, 0);
}

export function readAnyValue(r: ProtoReader, end: number, limits: DecodeLimits, depth: number): AttrValue {
  if (depth > limits.maxValueDepth)
    throw new OtlpDecodeError(`attribute value nested deeper than ${limits.maxValueDepth}`);
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: {
        if (wire !== WIRE_LEN) throw new OtlpDecodeError('string_value has the wrong wire type');
        const fieldEnd = r.lengthEnd(end);
        const bytes = fieldEnd - r.pos;
        if (bytes > limits.maxAttributeValueBytes) {
          // decode the whole value first: invalid UTF-8 anywhere in it still fails the request
          const start = r.pos;
          r.stringTo(fieldEnd);
          r.pos = start;
          const keep = utf8PrefixLength(r.buf, start, limits.maxAttributeValueBytes);
          value = r.stringTo(start + keep) + truncationMarker(bytes);
          r.pos = fieldEnd;
        } else value = r.stringTo(fieldEnd);
        break;
      }
      case 2:
        value = r.varint(end) !== 0;
        break;
      case 3:
        value = r.int64(end);
        break;
      case 4:
        value = r.double(end);
        break;
      case 5: {
        const arrEnd = r.lengthEnd(end);
        const arr: AttrValue[] = [];
        while (r.pos < arrEnd) {
          const t = r.varint(arrEnd);
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN)
            arr.push(readAnyValue(r, r.lengthEnd(arrEnd), limits, depth + 1));
          else r.skip(t & 7, arrEnd);
        }
        value = arr;
        break;
      }
      case 6: {
        const kvEnd = r.lengthEnd(end);
        const obj: Attributes = {};
        while (r.pos < kvEnd) {
          const t = r.varint(kvEnd);
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN)
            readKeyValue(r, r.lengthEnd(kvEnd), obj, limits, depth + 1);
          else r.skip(t & 7, kvEnd);
        }
        value = obj;
        break;
      }
      case 7: {
        const bytesEnd = r.lengthEnd(end);
        value = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, bytesEnd - r.pos).toString('base64');
        r.pos = bytesEnd;
        break;
      }
      default:
        r.skip(wire, end);
    }
  }
  return value;
}

/** `Resource` or `InstrumentationScope` attributes (field 1 resp. 3), with the scope's name/version. */
export function readResource(r: ProtoReader, end: number, limits: DecodeLimits): Attributes {
  const attrs: Attributes = {};
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) readAttribute(r, r.lengthEnd(end), attrs, limits, counter);
    else r.skip(tag & 7, end);
  }
  return attrs;
}

export interface Scope {
  name: string;
  version: string;
}

export function readScope(r: ProtoReader, end: number): Scope {
  const scope: Scope = { name: '', version: '' };
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) scope.name = r.stringTo(r.lengthEnd(end));
    else if (field === 2 && (tag & 7) === WIRE_LEN) scope.version = r.stringTo(r.lengthEnd(end));
    else r.skip(tag & 7, end);
  }
  return scope;
}

export function serviceNameOf(resource: Attributes): string {
  const name = resource['service.name'];
  return typeof name === 'string' && name !== '' ? name : 'unknown_service';
}
