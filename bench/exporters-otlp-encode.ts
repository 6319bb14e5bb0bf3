/**
 * The OTLP span encoder the exporters run on the ingest thread: the hand-written proto-writer
 * (exporters/otlp/otlp-encode.ts) against protobufjs encoding the same spans from the published message
 * types (otlp-proto.ts) — the encoder it replaced — on bench:ingest's 512-span payload, alternating,
 * CPU time of this process (process.cpuUsage, not wall time: the machine is shared), median of 7.
 *
 *   npx tsx bench/exporters-otlp-encode.ts
 */
import { encodeTraces } from '../packages/server/src/exporters/otlp/otlp-encode.js';
import { OTLP } from '../packages/server/src/exporters/otlp/otlp-proto.js';
import type { Attributes, AttrValue, SpanRecord } from '../packages/server/src/model/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { DEFAULT_DECODE_LIMITS, decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { BATCH_SPANS, buildTemplate, payloadFor } from './ingest-payload.js';

const decoded = decodeTracesProto(payloadFor(buildTemplate(), 1, 1), DEFAULT_DECODE_LIMITS);
normalizeSpans(decoded.spans as never);
const spans = decoded.spans as SpanRecord[];

type AnyValueObj = Record<string, unknown>;
const anyValue = (v: AttrValue): AnyValueObj => {
  if (v === null) return {};
  switch (typeof v) {
    case 'string':
      return { string_value: v };
    case 'boolean':
      return { bool_value: v };
    case 'number':
      return Number.isSafeInteger(v) ? { int_value: v } : { double_value: v };
  }
  if (Array.isArray(v)) return { array_value: { values: v.map(anyValue) } };
  return { kvlist_value: { values: kvs(v as Attributes) } };
};
const kvs = (a: Attributes) => Object.keys(a).map((key) => ({ key, value: anyValue(a[key] as AttrValue) }));
const hex = (s: string | null) => (s ? Buffer.from(s, 'hex') : Buffer.alloc(0));
const STATUS = { unset: 0, ok: 1, error: 2 } as const;
/** The replaced encoder (one resource and scope: the payload has one). */
const protobufjs = (ss: SpanRecord[]) =>
  OTLP.traceRequest
    .encode({
      resource_spans: [
        {
          resource: { attributes: kvs(ss[0]!.resource) },
          scope_spans: [
            {
              scope: { name: ss[0]!.scopeName, version: ss[0]!.scopeVersion },
              spans: ss.map((s) => ({
                trace_id: hex(s.traceId),
                span_id: hex(s.spanId),
                parent_span_id: hex(s.parentSpanId),
                name: s.name,
                kind: s.spanKind,
                start_time_unix_nano: s.startTimeUnixNano.toString(),
                end_time_unix_nano: s.endTimeUnixNano.toString(),
                attributes: kvs(s.attributes),
                events: s.events.map((e) => ({
                  time_unix_nano: e.timeUnixNano.toString(),
                  name: e.name,
                  attributes: kvs(e.attributes),
                })),
                links: s.links.map((l) => ({
                  trace_id: hex(l.traceId),
                  span_id: hex(l.spanId),
                  attributes: kvs(l.attributes),
                })),
                status: { code: STATUS[s.statusCode] ?? 0, message: s.statusMessage },
              })),
            },
          ],
        },
      ],
    })
    .finish();

const cpuUsPerSpan = (f: () => unknown, n: number) => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n / BATCH_SPANS;
};
for (let i = 0; i < 3; i++) {
  cpuUsPerSpan(() => protobufjs(spans), 10);
  cpuUsPerSpan(() => encodeTraces(spans), 10);
}
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < 7; r++) {
  a.push(cpuUsPerSpan(() => protobufjs(spans), 20));
  b.push(cpuUsPerSpan(() => encodeTraces(spans), 20));
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
console.log(`OTLP span encode, ${BATCH_SPANS} spans/batch, CPU µs per span (median of 7):`);
console.log(`  protobufjs from the message types: ${median(a).toFixed(2)}`);
console.log(`  proto-writer (hand-written):       ${median(b).toFixed(2)}`);
console.log(
  `  ratio ${(median(b) / median(a)).toFixed(2)}× (${protobufjs(spans).length} vs ${encodeTraces(spans).length} bytes)`,
);
