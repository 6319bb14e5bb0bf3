import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ReadableSpanLike } from '../trace/types.js';

/**
 * OTLP/JSON (the protobuf JSON mapping the OTLP spec prescribes: lowerCamelCase fields, hex ids,
 * 64-bit integers as decimal strings, enums as numbers). Optional: protobuf is the default because
 * it is smaller and faster; JSON helps when a proxy in between only speaks text.
 */
export function encodeTracesJson(spans: readonly ReadableSpanLike[]): Buffer {
  const resources = new Map<
    object,
    { resource: unknown; scopes: Map<object, { scope: unknown; spans: unknown[] }> }
  >();
  for (const span of spans) {
    let r = resources.get(span.resource);
    if (r === undefined) {
      r = { resource: { attributes: kvs(span.resource.attributes) }, scopes: new Map() };
      resources.set(span.resource, r);
    }
    const scopeKey = span.instrumentationScope;
    let s = r.scopes.get(scopeKey);
    if (s === undefined) {
      const { name, version } = span.instrumentationScope;
      s = { scope: version ? { name, version } : { name }, spans: [] };
      r.scopes.set(scopeKey, s);
    }
    s.spans.push(spanJson(span));
  }
  const resourceSpans = [...resources.values()].map((r) => ({
    resource: r.resource,
    scopeSpans: [...r.scopes.values()].map((s) => ({ scope: s.scope, spans: s.spans })),
  }));
  return Buffer.from(JSON.stringify({ resourceSpans }));
}

const nanos = (t: readonly [number, number]): string =>
  (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

function spanJson(span: ReadableSpanLike): Record<string, unknown> {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  const out: Record<string, unknown> = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: kvs(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      timeUnixNano: nanos(e.time),
      name: e.name,
      attributes: kvs(e.attributes ?? {}),
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: kvs(l.attributes ?? {}),
      flags: (l.context.traceFlags & 0xff) | 0x100 | (l.context.isRemote ? 0x200 : 0),
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: span.status.message
      ? { code: span.status.code, message: span.status.message }
      : { code: span.status.code },
    flags: (ctx.traceFlags & 0xff) | 0x100 | (parent?.isRemote ? 0x200 : 0),
  };
  const ts = ctx.traceState?.serialize();
  if (ts) out.traceState = ts;
  if (parent) out.parentSpanId = parent.spanId;
  return out;
}

function kvs(attributes: Attributes): Array<{ key: string; value: unknown }> {
  const out: Array<{ key: string; value: unknown }> = [];
  for (const key in attributes) {
    const v = attributes[key];
    if (v !== undefined) out.push({ key, value: anyValue(v) });
  }
  return out;
}

function anyValue(v: AttributeValue | null | undefined): unknown {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    default:
      return Array.isArray(v) ? { arrayValue: { values: v.map((x) => anyValue(x as AttributeValue)) } } : {};
  }
}
