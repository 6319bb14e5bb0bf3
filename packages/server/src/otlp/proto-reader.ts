/**
 * A protobuf wire-format reader specialised for OTLP: it reads fields straight out of the request
 * buffer with no intermediate message objects (the ingest hot path; see bench/otlp-decode.ts).
 * Every read is bounds-checked: truncated or garbage input throws OtlpDecodeError, never loops or
 * allocates more than the input.
 */
import { OtlpDecodeError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const SHORT_STRING = 64;
const CACHE_SIZE = 4096;
const stringCache: Array<string | undefined> = new Array(CACHE_SIZE);

/** ASCII bytes → string; Buffer's latin1Slice is the cheapest way (ASCII is checked by the caller). */
function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(buf, start, end);
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class ProtoReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Unsigned varint as a number; exact up to 2^53, which covers tags, lengths, enums and counts. */
  varint(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = pos < end ? buf[pos++] : -1;
    if (b < 0) throw new OtlpDecodeError('truncated varint');
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      if (pos >= end) throw new OtlpDecodeError('truncated varint');
      b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    throw new OtlpDecodeError('varint longer than 10 bytes');
  }

  /** int64 varint: a number when it is a safe integer, else its exact decimal text. */
  int64(end: number): number | string {
    const start = this.pos;
    const n = this.varint(end);
    if (this.pos - start < 8) return n; // < 2^49: exact and non-negative
    let v = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++) {
      v |= BigInt(this.buf[p] & 0x7f) << shift;
      shift += 7n;
    }
    const signed = BigInt.asIntN(64, v);
    const asNumber = Number(signed);
    return Number.isSafeInteger(asNumber) ? asNumber : signed.toString();
  }

  fixed64(end: number): bigint {
    if (this.pos + 8 > end) throw new OtlpDecodeError('truncated fixed64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  double(end: number): number {
    if (this.pos + 8 > end) throw new OtlpDecodeError('truncated double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the field's bytes. */
  lengthEnd(end: number): number {
    const len = this.varint(end);
    const fieldEnd = this.pos + len;
    if (fieldEnd > end) throw new OtlpDecodeError(`length ${len} runs past the end of its message`);
    return fieldEnd;
  }

  /**
   * UTF-8 string of [pos, fieldEnd). Short ASCII strings (attribute keys, names, model ids: the same few
   * hundred over and over) come from a small cache checked byte by byte, so repeats cost no allocation.
   */
  stringTo(fieldEnd: number): string {
    const buf = this.buf;
    const start = this.pos;
    this.pos = fieldEnd;
    const len = fieldEnd - start;
    if (len > SHORT_STRING) return decodeUtf8(buf, start, fieldEnd);
    let hash = len;
    for (let i = start; i < fieldEnd; i++) {
      const c = buf[i];
      if (c >= 0x80) return decodeUtf8(buf, start, fieldEnd);
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    const slot = hash & (CACHE_SIZE - 1);
    const cached = stringCache[slot];
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (cached.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const s = latin1(buf, start, fieldEnd);
    stringCache[slot] = s;
    return s;
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint(end);
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > end) throw new OtlpDecodeError('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > end) throw new OtlpDecodeError('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw new OtlpDecodeError(`unknown wire type ${wire}`);
    }
  }
}

function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new OtlpDecodeError('string is not valid UTF-8');
  }
}
