import type { Attributes, AttributeValue, Link } from '@opentelemetry/api';
import type { InstrumentationScope, ReadableSpanLike, TimedEvent, WitnessResource } from '../trace/types.js';
import { WitnessSpan } from '../trace/span.js';
import { ProtoWriter } from './proto-writer.js';

/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` (opentelemetry/proto/collector/trace/v1).
 * Field numbers are those of opentelemetry-proto's trace.proto / common.proto / resource.proto;
 * otlp-encoder.test.ts decodes the output with protobufjs against that schema and compares it with
 * what the official @opentelemetry/otlp-transformer serializer produces for the same spans.
 */
export class OtlpTraceEncoder {
  private readonly w = new ProtoWriter();
  /** Resource attributes rarely change: encode each resource once. */
  private readonly resourceCache = new WeakMap<object, Buffer>();

  encode(spans: readonly ReadableSpanLike[]): Buffer {
    const w = this.w;
    w.reset();
    let i = 0;
    while (i < spans.length) {
      const resource = spans[i].resource;
      // ResourceSpans (ExportTraceServiceRequest.resource_spans = 1)
      const rs = w.begin(1, 4);
      this.writeResource(resource);
      while (i < spans.length && spans[i].resource === resource) {
        const scope = spans[i].instrumentationScope;
        // ScopeSpans (ResourceSpans.scope_spans = 2)
        const ss = w.begin(2, 4);
        writeScope(w, scope);
        while (
          i < spans.length &&
          spans[i].resource === resource &&
          spans[i].instrumentationScope === scope
        ) {
          writeSpan(w, spans[i]);
          i++;
        }
        if (scope.schemaUrl) w.stringField(3, scope.schemaUrl);
        w.end(ss, 4);
      }
      w.end(rs, 4);
    }
    return w.finish();
  }

  private writeResource(resource: WitnessResource): void {
    let bytes = this.resourceCache.get(resource);
    if (bytes === undefined) {
      const rw = new ProtoWriter(1024);
      writeAttributes(rw, 1, resource.attributes);
      bytes = rw.finish();
      this.resourceCache.set(resource, bytes);
    }
    // ResourceSpans.resource = 1
    this.w.bytesField(1, bytes);
  }
}

function writeScope(w: ProtoWriter, scope: InstrumentationScope): void {
  const m = w.begin(1, 1);
  w.stringField(1, scope.name);
  if (scope.version) w.stringField(2, scope.version);
  w.end(m, 1);
}

function writeSpan(w: ProtoWriter, span: ReadableSpanLike): void {
  // ScopeSpans.spans = 2; two bytes of length cover spans up to 16 KiB without a shift.
  const m = w.begin(2, 2);
  const ctx = span.spanContext();
  w.hexField(1, ctx.traceId);
  w.hexField(2, ctx.spanId);
  const ts = ctx.traceState?.serialize();
  if (ts) w.stringField(3, ts);
  const parent = span.parentSpanContext;
  if (parent !== undefined) w.hexField(4, parent.spanId);
  w.stringField(5, span.name);
  w.uint32Field(6, span.kind + 1); // API SpanKind INTERNAL=0…; OTLP reserves 0 for UNSPECIFIED
  if (span instanceof WitnessSpan) {
    // Witness spans keep raw epoch-ms times and attribute arrays: no objects built to encode them.
    writeMs(w, 7, span.startMs);
    writeMs(w, 8, span.endMs);
    const keys = span.attrKeys;
    const values = span.attrValues;
    for (let i = 0; i < keys.length; i++) writeKeyValue(w, 9, keys[i], values[i]);
  } else {
    w.hrTimeField(7, span.startTime[0], span.startTime[1]);
    w.hrTimeField(8, span.endTime[0], span.endTime[1]);
    writeAttributes(w, 9, span.attributes);
  }
  if (span.droppedAttributesCount > 0) w.uint32Field(10, span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]);
  if (span.droppedEventsCount > 0) w.uint32Field(12, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]);
  if (span.droppedLinksCount > 0) w.uint32Field(14, span.droppedLinksCount);
  const status = span.status;
  if (status.code !== 0 || status.message) {
    const s = w.begin(15, 1);
    if (status.message) w.stringField(2, status.message);
    if (status.code !== 0) w.uint32Field(3, status.code);
    w.end(s, 1);
  }
  // Span.flags = 16: W3C trace flags plus "has is_remote" (0x100) and "is_remote" (0x200) of the parent.
  let flags = (ctx.traceFlags & 0xff) | 0x100;
  if (parent?.isRemote) flags |= 0x200;
  w.fixed32Field(16, flags);
  w.end(m, 2);
}

function writeEvent(w: ProtoWriter, e: TimedEvent): void {
  const m = w.begin(11, 1);
  w.hrTimeField(1, e.time[0], e.time[1]);
  w.stringField(2, e.name);
  if (e.attributes) writeAttributes(w, 3, e.attributes);
  if (e.droppedAttributesCount) w.uint32Field(4, e.droppedAttributesCount);
  w.end(m, 1);
}

function writeLink(w: ProtoWriter, link: Link): void {
  const m = w.begin(13, 1);
  const ctx = link.context;
  w.hexField(1, ctx.traceId);
  w.hexField(2, ctx.spanId);
  const ts = ctx.traceState?.serialize();
  if (ts) w.stringField(3, ts);
  if (link.attributes) writeAttributes(w, 4, link.attributes);
  if (link.droppedAttributesCount) w.uint32Field(5, link.droppedAttributesCount);
  let flags = (ctx.traceFlags & 0xff) | 0x100;
  if (ctx.isRemote) flags |= 0x200;
  w.fixed32Field(6, flags);
  w.end(m, 1);
}

function writeMs(w: ProtoWriter, field: number, ms: number): void {
  const sec = Math.floor(ms / 1000);
  let nanos = Math.round((ms - sec * 1000) * 1e6);
  if (nanos > 999_999_999) nanos = 999_999_999;
  w.hrTimeField(field, sec, nanos);
}

function writeKeyValue(w: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  if (typeof value !== 'object' && w.keyValue(field, key, value)) return;
  const kv = w.begin(field, 1);
  w.stringField(1, key);
  writeAnyValue(w, 2, value);
  w.end(kv, 1);
}

function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) writeKeyValue(w, field, key, value);
  }
}

function writeAnyValue(w: ProtoWriter, field: number, value: AttributeValue | null | undefined): void {
  const m = w.begin(field, 1);
  switch (typeof value) {
    case 'string':
      w.stringField(1, value);
      break;
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) w.int64Field(3, value);
      else w.doubleField(4, value);
      break;
    case 'boolean':
      w.boolField(2, value);
      break;
    case 'object':
      if (Array.isArray(value)) {
        // AnyValue.array_value = 5 → ArrayValue.values = 1
        const a = w.begin(5, 1);
        for (let i = 0; i < value.length; i++) writeAnyValue(w, 1, value[i] as AttributeValue);
        w.end(a, 1);
      } else if ((value as unknown) instanceof Uint8Array) {
        w.bytesField(7, value as unknown as Uint8Array);
      }
      break;
    default:
      break;
  }
  w.end(m, 1);
}
