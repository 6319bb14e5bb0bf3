/**
 * A minimal protobuf writer specialised for OTLP: one growable buffer, length-delimited fields
 * back-patched after their content is written (reserve a guess, shift if it was wrong), an ASCII
 * fast path for the short strings that make up most of a span. Hand-written because encoding is
 * the exporter's hot path (`npm run bench:sdk` measures it against the official serializer).
 */

const HEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

const TWO_32 = 4294967296;

export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : n < 0x800000000 ? 5 : 10;
}

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written (the scratch buffer is reused for the next batch). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint (n < 2^53). Callers ensure capacity for it. */
  varint(n: number): void {
    const b = this.buf;
    let p = this.pos;
    while (n >= 0x80) {
      b[p++] = (n & 0x7f) | 0x80;
      n = n >= TWO_32 ? Math.floor(n / 128) : n >>> 7;
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A tag byte for fields 1..15 (all OTLP fields this writer emits except Span.flags). */
  tag(field: number, wire: number): void {
    this.ensure(11);
    this.buf[this.pos++] = (field << 3) | wire;
  }

  uint32Field(field: number, n: number): void {
    this.tag(field, 0);
    this.varint(n >>> 0);
  }

  /** int64 as protobuf encodes it: negatives in ten bytes of two's complement. */
  int64Field(field: number, n: number): void {
    this.tag(field, 0);
    if (n >= 0) {
      this.varint(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    const b = this.buf;
    while (v >= 0x80n) {
      b[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    b[this.pos++] = Number(v);
  }

  boolField(field: number, v: boolean): void {
    this.tag(field, 0);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  doubleField(field: number, v: number): void {
    this.tag(field, 1);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed32Field(field: number, v: number): void {
    this.ensure(13);
    this.varint((field << 3) | 5);
    this.u32(v);
  }

  /** Four little-endian bytes, without Buffer#writeUInt32LE's argument checks (capacity is ensured). */
  private u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  /** fixed64 nanoseconds from [seconds, nanoseconds], exact without BigInt (all parts < 2^53). */
  hrTimeField(field: number, sec: number, nanos: number): void {
    this.tag(field, 1);
    const a = sec * 1953125; // sec * 1e9 = a * 512
    const aLo = a % 8388608; // 2^23, so aLo * 512 < 2^32
    let hi = (a - aLo) / 8388608;
    let lo = aLo * 512 + nanos;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    this.u32(lo);
    this.u32(hi);
  }

  stringField(field: number, s: string): void {
    const n = s.length;
    if (n < 128) {
      // Fast path, the common case: short ASCII text has a one-byte length equal to its char count.
      this.ensure(n + 2);
      const b = this.buf;
      const start = this.pos;
      b[start] = (field << 3) | 2;
      b[start + 1] = n;
      let p = start + 2;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return;
      }
      // not ASCII: fall through and rewrite it with the general path
    }
    this.tag(field, 2);
    const max = n * 3;
    const reserved = varintSize(max);
    this.ensure(reserved + max);
    // Buffer#utf8Write is the unchecked native writer behind Buffer#write (not in @types/node).
    const written = (this.buf as unknown as { utf8Write(s: string, o: number): number }).utf8Write(
      s,
      this.pos + reserved,
    );
    this.patchLength(this.pos, reserved, written);
  }

  /**
   * KeyValue{key, AnyValue} for the common attribute: short ASCII key, and a short ASCII string,
   * small non-negative integer, double or boolean value. All lengths are known up front, so it is
   * written in one pass without back-patching. Returns false, having written nothing, otherwise.
   */
  keyValue(field: number, key: string, value: string | number | boolean): boolean {
    const kl = key.length;
    if (kl >= 120) return false;
    let anyLen: number;
    switch (typeof value) {
      case 'string':
        if (value.length >= 120) return false;
        anyLen = 2 + value.length;
        break;
      case 'number':
        if (Number.isInteger(value)) {
          if (value < 0 || value > 0x7fffffff) return false;
          anyLen = 1 + varintSize(value);
        } else anyLen = 9;
        break;
      default:
        anyLen = 2;
    }
    const kvLen = 2 + kl + 2 + anyLen;
    if (kvLen >= 128) return false;
    this.ensure(kvLen + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = (field << 3) | 2;
    b[p++] = kvLen;
    b[p++] = 0x0a; // KeyValue.key
    b[p++] = kl;
    for (let i = 0; i < kl; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) return false;
      b[p++] = c;
    }
    b[p++] = 0x12; // KeyValue.value
    b[p++] = anyLen;
    switch (typeof value) {
      case 'string': {
        const vl = value.length;
        b[p++] = 0x0a; // AnyValue.string_value
        b[p++] = vl;
        for (let i = 0; i < vl; i++) {
          const c = value.charCodeAt(i);
          if (c >= 0x80) return false;
          b[p++] = c;
        }
        break;
      }
      case 'number':
        if (anyLen === 9) {
          b[p++] = 0x21; // AnyValue.double_value
          b.writeDoubleLE(value, p);
          p += 8;
        } else {
          b[p++] = 0x18; // AnyValue.int_value
          let n = value;
          while (n >= 0x80) {
            b[p++] = (n & 0x7f) | 0x80;
            n >>>= 7;
          }
          b[p++] = n;
        }
        break;
      default:
        b[p++] = 0x10; // AnyValue.bool_value
        b[p++] = value ? 1 : 0;
    }
    this.pos = p;
    return true;
  }

  /** Lowercase or uppercase hex id as raw bytes (trace id 16, span id 8). Invalid hex writes zeros. */
  hexField(field: number, hex: string): void {
    const len = hex.length >> 1;
    this.tag(field, 2);
    this.ensure(len + 1);
    const b = this.buf;
    b[this.pos++] = len;
    for (let i = 0; i < len; i++) {
      const h = HEX[hex.charCodeAt(2 * i) & 127];
      const l = HEX[hex.charCodeAt(2 * i + 1) & 127];
      b[this.pos++] = h < 0 || l < 0 ? 0 : (h << 4) | l;
    }
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.ensure(5 + bytes.length);
    this.varint(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a length-delimited field, reserving `reserve` bytes for its length; returns a mark. */
  begin(field: number, reserve: number): number {
    this.tag(field, 2);
    this.ensure(reserve);
    const mark = this.pos;
    this.pos += reserve;
    return mark;
  }

  /** Ends the field started at `mark`: writes its length, shifting the content if the guess was off. */
  end(mark: number, reserve: number): void {
    this.patchLength(mark, reserve, this.pos - mark - reserve);
  }

  private patchLength(mark: number, reserved: number, length: number): void {
    const needed = varintSize(length);
    const contentStart = mark + reserved;
    if (needed !== reserved) {
      if (needed > reserved) this.ensure(needed - reserved + length);
      this.buf.copyWithin(mark + needed, contentStart, contentStart + length);
    }
    this.pos = mark;
    this.varint(length);
    this.pos = mark + needed + length;
  }
}
