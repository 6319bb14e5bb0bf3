/**
 * The OTLP trace request schema (opentelemetry-proto v1: collector/trace/v1, trace/v1, common/v1,
 * resource/v1), written out as .proto text so tests can decode what exporters send with protobufjs,
 * independently of the encoder under test.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4;
}
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  fixed32 flags = 16; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11; uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5; fixed32 flags = 6;
  }
  repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const Request = root.lookupType('otlp.ExportTraceServiceRequest');

export type DecodedValue = string | number | boolean | DecodedValue[] | Uint8Array | null;

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, DecodedValue>;
  droppedAttributesCount: number;
  events: Array<{ name: string; timeUnixNano: bigint; attributes: Record<string, DecodedValue> }>;
  links: Array<{ traceId: string; spanId: string; flags: number; attributes: Record<string, DecodedValue> }>;
  status: { code: number; message: string };
  resource: Record<string, DecodedValue>;
  scope: { name: string; version: string };
}

type Obj = Record<string, unknown>;

function anyValue(v: Obj | undefined): DecodedValue {
  if (!v) return null;
  if ('string_value' in v) return v.string_value as string;
  if ('bool_value' in v) return v.bool_value as boolean;
  if ('int_value' in v) return Number(v.int_value as string);
  if ('double_value' in v) return v.double_value as number;
  if ('array_value' in v) return (((v.array_value as Obj).values as Obj[]) ?? []).map(anyValue);
  if ('bytes_value' in v) return v.bytes_value as Uint8Array;
  return null;
}

function attrs(list: unknown): Record<string, DecodedValue> {
  const out: Record<string, DecodedValue> = {};
  for (const kv of (list as Obj[]) ?? []) out[kv.key as string] = anyValue(kv.value as Obj);
  return out;
}

const hex = (b: unknown): string => Buffer.from((b as Uint8Array) ?? []).toString('hex');

/** Decodes an ExportTraceServiceRequest into a flat, comparable list of spans. */
export function decodeTraces(bytes: Uint8Array): DecodedSpan[] {
  const msg = Request.toObject(Request.decode(bytes), {
    longs: String,
    oneofs: false,
    defaults: true,
  }) as Obj;
  const out: DecodedSpan[] = [];
  for (const rs of (msg.resource_spans as Obj[]) ?? []) {
    const resource = attrs((rs.resource as Obj | undefined)?.attributes);
    for (const ss of (rs.scope_spans as Obj[]) ?? []) {
      const scope = (ss.scope as Obj | undefined) ?? {};
      for (const s of (ss.spans as Obj[]) ?? []) {
        const status = (s.status as Obj | undefined) ?? {};
        out.push({
          traceId: hex(s.trace_id),
          spanId: hex(s.span_id),
          parentSpanId: hex(s.parent_span_id),
          traceState: s.trace_state as string,
          flags: s.flags as number,
          name: s.name as string,
          kind: s.kind as number,
          startTimeUnixNano: BigInt(s.start_time_unix_nano as string),
          endTimeUnixNano: BigInt(s.end_time_unix_nano as string),
          attributes: attrs(s.attributes),
          droppedAttributesCount: s.dropped_attributes_count as number,
          events: ((s.events as Obj[]) ?? []).map((e) => ({
            name: e.name as string,
            timeUnixNano: BigInt(e.time_unix_nano as string),
            attributes: attrs(e.attributes),
          })),
          links: ((s.links as Obj[]) ?? []).map((l) => ({
            traceId: hex(l.trace_id),
            spanId: hex(l.span_id),
            flags: l.flags as number,
            attributes: attrs(l.attributes),
          })),
          status: { code: (status.code as number) ?? 0, message: (status.message as string) ?? '' },
          resource,
          scope: { name: (scope.name as string) ?? '', version: (scope.version as string) ?? '' },
        });
      }
    }
  }
  return out;
}
