/**
 * bench:decode — OTLP protobuf trace decoding, spans/s: Witness's specialised reader (straight into
 * SpanRecords) against a generic object decoder (protobufjs with the OTLP schema) followed by the
 * conversion into the same records, both measured in this run on the same bytes.
 *
 *   npm run bench:decode   (WITNESS_BENCH_ROUNDS to change the rounds)
 */
import { readFileSync } from 'node:fs';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { decodeTracesJson, decodeTracesProto } from '../packages/server/src/otlp/index.js';
import type { Attributes, AttrValue, SpanRecord } from '../packages/server/src/model/index.js';
import { emptyAgentFields } from '../packages/server/src/model/index.js';

const BATCH = 512;
const ROUNDS = Number(process.env.WITNESS_BENCH_ROUNDS ?? 7);

/** 512 realistic agent spans: an agent root, LLM calls with GenAI attributes, tools with events. */
function makeBatch(): { proto: Uint8Array; json: string } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'research-agent',
      'service.version': '1.4.2',
      'host.name': 'worker-3',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@witness/sdk', '0.1.0');
  while (exporter.getFinishedSpans().length < BATCH) {
    tracer.startActiveSpan(
      'invoke_agent researcher',
      {
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'researcher',
          'witness.session.id': 'sess-42',
          'witness.user.id': 'user-7',
        },
      },
      (root) => {
        for (let i = 0; i < 3 && exporter.getFinishedSpans().length < BATCH - 3; i++) {
          const llm = tracer.startSpan('chat claude-sonnet-4-5', {
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'anthropic',
              'gen_ai.request.model': 'claude-sonnet-4-5',
              'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
              'gen_ai.usage.input_tokens': 1834 + i,
              'gen_ai.usage.output_tokens': 412,
              'gen_ai.request.temperature': 0.2,
              'gen_ai.response.finish_reasons': ['end_turn'],
              'gen_ai.input.messages': JSON.stringify([
                {
                  role: 'user',
                  parts: [
                    {
                      type: 'text',
                      content:
                        'Find the three most cited papers on retrieval augmented generation and summarise them.',
                    },
                  ],
                },
              ]),
              'gen_ai.output.messages': JSON.stringify([
                {
                  role: 'assistant',
                  parts: [{ type: 'text', content: 'Here are three highly cited papers: ...' }],
                },
              ]),
            },
          });
          llm.end();
          const tool = tracer.startSpan('execute_tool web_search', {
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': 'web_search',
              'gen_ai.tool.call.arguments': '{"q":"retrieval augmented generation survey"}',
              'witness.tool.side_effect': false,
            },
          });
          tool.addEvent('exception', {
            'exception.type': 'TimeoutError',
            'exception.message': 'search backend timed out after 5s',
            'exception.stacktrace':
              'TimeoutError: search backend timed out\n    at search (tools.ts:42:11)\n    at run (agent.ts:88:5)',
          });
          tool.end();
        }
        root.end();
      },
    );
  }
  const spans = exporter.getFinishedSpans().slice(0, BATCH);
  return {
    proto: ProtobufTraceSerializer.serializeRequest(spans)!,
    json: new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
  };
}

// --- the generic baseline: protobufjs objects, then the same records ---------------------------
const root = protobuf.parse(readFileSync(new URL('./fixtures/otlp-trace.proto', import.meta.url), 'utf8'), {
  keepCase: true,
}).root;
const Request = root.lookupType('otlp.ExportTraceServiceRequest');
// biome-ignore lint/suspicious/noExplicitAny: protobufjs messages are untyped
type Msg = Record<string, any>;

function anyValue(v: Msg | null | undefined): AttrValue {
  if (!v) return null;
  // `value` is protobufjs's oneof discriminator: the name of the field that is set.
  switch (v.value) {
    case 'string_value':
    case 'bool_value':
    case 'double_value':
      return v[v.value];
    case 'int_value':
      return typeof v.int_value === 'number' ? v.int_value : Number(v.int_value);
    case 'array_value':
      return (v.array_value.values ?? []).map(anyValue);
    case 'kvlist_value':
      return attrs(v.kvlist_value.values);
    case 'bytes_value':
      return Buffer.from(v.bytes_value).toString('base64');
    default:
      return null;
  }
}
function attrs(list: Msg[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}
const long = (v: Msg | number) =>
  typeof v === 'number' ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);

function genericDecode(bytes: Uint8Array): SpanRecord[] {
  const req = Request.decode(bytes) as Msg;
  const out: SpanRecord[] = [];
  for (const rs of req.resource_spans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    const serviceName =
      typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    for (const ss of rs.scope_spans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push(
          Object.assign(emptyAgentFields(), {
            traceId: Buffer.from(s.trace_id).toString('hex'),
            spanId: Buffer.from(s.span_id).toString('hex'),
            parentSpanId: s.parent_span_id?.length ? Buffer.from(s.parent_span_id).toString('hex') : null,
            name: s.name,
            serviceName,
            spanKind: s.kind ?? 0,
            startTimeUnixNano: long(s.start_time_unix_nano),
            endTimeUnixNano: long(s.end_time_unix_nano),
            statusCode: (['unset', 'ok', 'error'] as const)[s.status?.code ?? 0],
            statusMessage: s.status?.message ?? '',
            attributes: attrs(s.attributes),
            resource,
            scopeName: ss.scope?.name ?? '',
            scopeVersion: ss.scope?.version ?? '',
            events: (s.events ?? []).map((e: Msg) => ({
              name: e.name,
              timeUnixNano: long(e.time_unix_nano),
              attributes: attrs(e.attributes),
            })),
            links: (s.links ?? []).map((l: Msg) => ({
              traceId: Buffer.from(l.trace_id).toString('hex'),
              spanId: Buffer.from(l.span_id).toString('hex'),
              attributes: attrs(l.attributes),
            })),
          }),
        );
      }
    }
  }
  return out;
}

function spansPerSecond(decode: () => number, minMs = 400): number {
  let spans = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    spans += decode();
    elapsed = performance.now() - start;
  }
  return (spans / elapsed) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { proto: bytes, json: jsonBody } = makeBatch();
// Sanity: both decoders read the same spans, so the benchmark compares the same work.
const ours = decodeTracesProto(bytes).spans;
const theirs = genericDecode(bytes);
if (
  ours.length !== BATCH ||
  theirs.length !== BATCH ||
  JSON.stringify(ours[5].attributes) !== JSON.stringify(theirs[5].attributes)
) {
  throw new Error('decoders disagree: the benchmark would compare different work');
}
const witness: number[] = [];
const generic: number[] = [];
const jsonRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  witness.push(spansPerSecond(() => decodeTracesProto(bytes).spans.length));
  generic.push(spansPerSecond(() => genericDecode(bytes).length));
  jsonRates.push(spansPerSecond(() => decodeTracesJson(jsonBody).spans.length));
}

const w = median(witness);
const g = median(generic);
console.log(`batch: ${BATCH} spans, ${bytes.length} bytes; ${ROUNDS} rounds, medians`);
console.log(`witness protobuf decoder : ${Math.round(w).toLocaleString('en')} spans/s`);
console.log(`protobufjs + conversion   : ${Math.round(g).toLocaleString('en')} spans/s (baseline, same run)`);
console.log(`witness OTLP/JSON decoder: ${Math.round(median(jsonRates)).toLocaleString('en')} spans/s`);
console.log(`ratio witness/generic    : ${(w / g).toFixed(2)}x`);
// The machine is shared: a paired ratio (each round's two rates measured back to back) is steadier.
const paired = median(witness.map((rate, i) => rate / generic[i]));
console.log(`ratio, median of rounds : ${paired.toFixed(2)}x`);
