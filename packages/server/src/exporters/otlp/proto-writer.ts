/**
 * A small protobuf writer for the exporters' hot path: OTLP spans and logs are encoded on the ingest
 * thread (once per flush, shared by every OTLP exporter), and building protobufjs's object graph first —
 * AnyValue wrappers, hex ids as Buffers, times as decimal strings parsed back into Longs — cost about as
 * much CPU per span as ingest's own decode (bench/exporters-encode.ts). This writes the wire format
 * straight from the records into one growing buffer.
 *
 * Nested messages reserve one byte for their length and move their body when it needs more (only
 * bodies of 128 bytes or more, and once per message), so no sizes are computed twice.
 */
/** Hex digit values by char code (-1: not a hex digit). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/**
 * fixed64 through one reused 8-byte view: a bigint stored into a BigUint64Array is reduced mod 2^64
 * (two's complement for negatives) and its bytes are read back — no bigint arithmetic, no allocation.
 * The byte order is the platform's, so big-endian hosts take the arithmetic path instead.
 */
const U64 = new BigUint64Array(1);
const U64_BYTES = new Uint8Array(U64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Strings shorter than this are copied by a loop, longer ones by Buffer#write (measured crossover ~32). */
const SHORT_STRING = 32;

/** A scratch writer's buffer past this is let go at reset (one huge flush does not pin its memory). */
const KEEP_BYTES = 4 * 1024 * 1024;

export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;
  /** The last id `hex` wrote with `repeats` and its bytes: spans of one trace repeat their trace id. */
  private lastHex = '';
  private readonly lastHexBytes = new Uint8Array(127);
  private lastHexLength = 0;

  constructor(private readonly initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Empties the writer for reuse (what `finish` returned before is overwritten from now on). */
  reset(): this {
    this.pos = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(this.initialBytes);
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v >= 128) {
      b[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  /** An int64 varint: negatives as their 64-bit two's complement (10 bytes), as protobuf says. */
  int64(field: number, v: number): void {
    this.tag(field, 0);
    if (v >= 0) {
      this.varint(v);
      return;
    }
    let u = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (u >= 128n) {
      this.buf[this.pos++] = Number(u & 127n) | 128;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint(field * 8 + wire);
  }

  uint(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    this.tag(field, 0);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed64(field: number, v: bigint): void {
    if (v === 0n) return;
    this.tag(field, 1);
    this.ensure(8);
    if (LITTLE_ENDIAN) {
      U64[0] = v;
      const b = this.buf;
      const p = this.pos;
      b[p] = U64_BYTES[0];
      b[p + 1] = U64_BYTES[1];
      b[p + 2] = U64_BYTES[2];
      b[p + 3] = U64_BYTES[3];
      b[p + 4] = U64_BYTES[4];
      b[p + 5] = U64_BYTES[5];
      b[p + 6] = U64_BYTES[6];
      b[p + 7] = U64_BYTES[7];
      this.pos = p + 8;
      return;
    }
    const u = BigInt.asUintN(64, v);
    // two 32-bit halves: cheaper than writeBigUInt64LE's range checks on every call
    this.buf.writeUInt32LE(Number(u & 0xffffffffn), this.pos);
    this.buf.writeUInt32LE(Number(u >> 32n), this.pos + 4);
    this.pos += 8;
  }

  /** A string field; empty strings are the default and not written (proto3). */
  string(field: number, s: string): void {
    if (s.length === 0) return;
    this.stringAlways(field, s);
  }

  /** A string field written even when empty (a oneof member, whose presence is the information). */
  stringAlways(field: number, s: string): void {
    this.tag(field, 2);
    const len = s.length;
    if (len < SHORT_STRING) {
      // short ASCII (most keys and values): copied by hand — a native Buffer#write costs ~100 ns a
      // call, the loop ~3 ns a character; the length is one byte
      this.ensure(1 + len);
      const b = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        b[p++] = c;
      }
      if (i === len) {
        b[this.pos] = len;
        this.pos = p;
        return;
      }
    } else if (len < 128) {
      // one native write after a one-byte length; at most 3 bytes a UTF-16 unit, so a longer
      // encoding (non-ASCII text) moves by the extra length bytes once
      this.ensure(2 + 3 * len);
      const at = this.pos;
      const n = this.buf.write(s, at + 1);
      if (n < 128) {
        this.buf[at] = n;
        this.pos = at + 1 + n;
        return;
      }
      this.buf.copyWithin(at + 2, at + 1, at + 1 + n);
      this.buf[at] = (n & 127) | 128;
      this.buf[at + 1] = n >> 7; // n < 3·128: two bytes
      this.pos = at + 2 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * A bytes field from a hex string (trace and span ids); empty or null is not written. `repeats`: the
   * value often equals the last one written with `repeats` (trace ids of consecutive spans), whose
   * bytes are then copied instead of parsed again.
   */
  hex(field: number, s: string | null, repeats = false): void {
    if (!s) return;
    const bytes = s.length >> 1;
    if (bytes >= 128) {
      const b = Buffer.from(s, 'hex');
      this.tag(field, 2);
      this.varint(b.length);
      this.ensure(b.length);
      b.copy(this.buf, this.pos);
      this.pos += b.length;
      return;
    }
    this.tag(field, 2);
    this.ensure(1 + bytes);
    const b = this.buf;
    const cached = this.lastHexBytes;
    let p = this.pos + 1;
    if (repeats && s === this.lastHex) {
      // the same id as last time (a trace's spans in a row): copy its bytes, skip the parse
      const n = this.lastHexLength;
      for (let i = 0; i < n; i++) b[p++] = cached[i];
    } else {
      // what Buffer.from(s, 'hex') gives: the bytes up to the first pair that is not hex
      const from = p;
      for (let i = 0; i < bytes; i++) {
        const h = s.charCodeAt(2 * i);
        const l = s.charCodeAt(2 * i + 1);
        const hv = h < 128 ? HEX[h] : -1;
        const lv = l < 128 ? HEX[l] : -1;
        if (hv < 0 || lv < 0) break;
        b[p++] = hv * 16 + lv;
      }
      if (repeats) {
        this.lastHex = s;
        this.lastHexLength = p - from;
        for (let i = from; i < p; i++) cached[i - from] = b[i];
      }
    }
    b[this.pos] = p - this.pos - 1;
    this.pos = p;
  }

  /** Starts a length-delimited field; pass what it returns to `end`. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    let extra = 0;
    for (let v = len; v >= 128; v = Math.floor(v / 128)) extra++;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    const body = this.pos;
    this.pos = at;
    this.varint(len);
    this.pos = body + extra;
  }

  /**
   * The bytes written: a view of the writer's (oversized) buffer, not a copy — the queue frame that
   * carries it copies it once (records-codec encodedFrame), and a second copy here cost measurably.
   */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
