/**
 * A minimal protobuf wire-format reader for OTLP metrics (varint, fixed64, length-delimited, fixed32).
 * Throws `ProtoError` on truncated or malformed input, which the OTLP route answers with 400.
 */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Varint as a JS number (exact below 2^53; OTLP counts and ints beyond that lose precision). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new ProtoError('varint longer than 10 bytes');
  }

  /** Signed int64 varint (two's complement). */
  int64(): number {
    const start = this.pos;
    let v = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, v));
      shift += 7n;
    }
    this.pos = start;
    throw new ProtoError('varint longer than 10 bytes');
  }

  sint32(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t & 7 };
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtoError('truncated field');
  }

  fixed64(): bigint {
    this.need(8);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return dv.getBigUint64(0, true);
  }

  sfixed64(): number {
    this.need(8);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return Number(dv.getBigInt64(0, true));
  }

  double(): number {
    this.need(8);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return dv.getFloat64(0, true);
  }

  /** A sub-reader over a length-delimited field. */
  sub(): ProtoReader {
    const len = this.varint();
    this.need(len);
    const r = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  bytes(): Uint8Array {
    const len = this.varint();
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  string(): string {
    try {
      return utf8.decode(this.bytes());
    } catch (err) {
      if (err instanceof ProtoError) throw err;
      throw new ProtoError('string field is not valid UTF-8');
    }
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) {
      this.need(8);
      this.pos += 8;
    } else if (wire === 2) {
      const len = this.varint();
      this.need(len);
      this.pos += len;
    } else if (wire === 5) {
      this.need(4);
      this.pos += 4;
    } else throw new ProtoError(`unsupported wire type ${wire}`);
  }

  /** Packed (or, tolerated, unpacked) repeated fixed64/double/varint values. */
  packed(wire: number, read: (r: ProtoReader) => number): number[] {
    if (wire !== 2) return [read(this)];
    const r = this.sub();
    const out: number[] = [];
    while (!r.done) out.push(read(r));
    return out;
  }
}
