/**
 * A small OTLP protobuf writer for tests and benchmarks: builds ExportTraceServiceRequest bytes
 * field by field, so tests can also build what no SDK would send (bad ids, invalid UTF-8, truncation).
 */

type Bytes = Uint8Array;

export class ProtoWriter {
  private parts: number[] = [];
  private chunks: Bytes[] = [];
  private size = 0;

  private flush(): void {
    if (this.parts.length) {
      const b = Uint8Array.from(this.parts);
      this.chunks.push(b);
      this.size += b.length;
      this.parts = [];
    }
  }

  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v > 0x7fn) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  bytes(field: number, value: Bytes): this {
    this.tag(field, 2).varint(value.length);
    this.flush();
    this.chunks.push(value);
    this.size += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  fixed64(field: number, value: bigint): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    for (const x of b) this.parts.push(x);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    for (const x of b) this.parts.push(x);
    return this;
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export type AttrInput = string | number | boolean | Bytes;

export interface SpanInput {
  traceId: Bytes | string;
  spanId: Bytes | string;
  parentSpanId?: Bytes | string;
  /** A string, or raw bytes (to send invalid UTF-8). */
  name: string | Bytes;
  kind?: number;
  startNs: bigint;
  endNs: bigint;
  attributes?: Record<string, AttrInput>;
  status?: { code: number; message?: string };
}

const hex = (v: Bytes | string): Bytes => (typeof v === 'string' ? Buffer.from(v, 'hex') : v);

/** A KeyValue as `field`: 9 in a Span, 1 in a Resource (and 3 in an InstrumentationScope). */
function writeAttr(w: ProtoWriter, key: string, value: AttrInput, field = 9): void {
  w.message(field, (kv) => {
    kv.string(1, key);
    kv.message(2, (av) => {
      if (typeof value === 'string') av.string(1, value);
      else if (typeof value === 'boolean') av.tag(2, 0).varint(value ? 1 : 0);
      else if (typeof value === 'number' && Number.isInteger(value)) av.tag(3, 0).varint(value);
      else if (typeof value === 'number') av.double(4, value);
      else av.bytes(1, value); // raw bytes in the string slot: lets a test send invalid UTF-8
    });
  });
}

export function writeSpan(w: ProtoWriter, s: SpanInput): void {
  w.message(2, (sp) => {
    sp.bytes(1, hex(s.traceId));
    sp.bytes(2, hex(s.spanId));
    if (s.parentSpanId) sp.bytes(4, hex(s.parentSpanId));
    if (typeof s.name === 'string') sp.string(5, s.name);
    else sp.bytes(5, s.name);
    sp.tag(6, 0).varint(s.kind ?? 1);
    sp.fixed64(7, s.startNs);
    sp.fixed64(8, s.endNs);
    for (const [k, v] of Object.entries(s.attributes ?? {})) writeAttr(sp, k, v);
    if (s.status) {
      sp.message(15, (st) => {
        if (s.status?.message) st.string(2, s.status.message);
        st.tag(3, 0).varint(s.status?.code ?? 0);
      });
    }
  });
}

/** ExportTraceServiceRequest with one resource (service.name) and one scope. */
export function encodeTraces(
  serviceName: string,
  spans: SpanInput[],
  resource: Record<string, AttrInput> = {},
): Uint8Array {
  const w = new ProtoWriter();
  w.message(1, (rs) => {
    rs.message(1, (res) => {
      writeAttr(res, 'service.name', serviceName, 1);
      for (const [k, v] of Object.entries(resource)) writeAttr(res, k, v, 1);
    });
    rs.message(2, (ss) => {
      ss.message(1, (scope) => scope.string(1, 'witness-test').string(2, '1.0.0'));
      for (const s of spans) writeSpan(ss, s);
    });
  });
  return w.finish();
}

let counter = 0;
/** Random-ish unique ids (crypto strength is not needed in tests). */
export function newTraceId(): string {
  counter++;
  return (
    Date.now().toString(16).padStart(16, '0') +
    counter.toString(16).padStart(8, '0') +
    Math.random().toString(16).slice(2, 10)
  )
    .slice(0, 32)
    .padEnd(32, '0');
}
export function newSpanId(): string {
  counter++;
  return (counter.toString(16).padStart(8, '0') + Math.random().toString(16).slice(2, 10))
    .slice(0, 16)
    .padEnd(16, '1');
}

/**
 * Posts `n` chat spans of one new trace to `baseUrl`/v1/traces in one OTLP/HTTP protobuf request
 * (`pad` bytes of padding attribute each); throws unless answered 200. The span ids and how long the
 * answer took: what the exporter tests count at their receivers and compare across faults.
 */
export async function postChatSpans(
  baseUrl: string,
  service: string,
  n: number,
  pad = 0,
): Promise<{ ids: string[]; ms: number }> {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: newSpanId(),
    name: `step ${i}`,
    startNs: now,
    endNs: now + 1_000_000n,
    attributes: { 'gen_ai.operation.name': 'chat', ...(pad > 0 ? { padding: 'x'.repeat(pad) } : {}) },
  }));
  const body = encodeTraces(service, spans);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
  return { ids: spans.map((s) => s.spanId), ms };
}
