/**
 * bench:sdk — cost per span of @witness/sdk against the OpenTelemetry JS SDK, measured in the same
 * run (interleaved rounds, median of rounds), printing both and the ratio.
 *
 *  (a) start + 10 attributes + end, no processor:
 *      Witness tracer  vs  BasicTracerProvider (@opentelemetry/sdk-trace-base) with no processors.
 *  (b) the same plus batching and OTLP protobuf encoding:
 *      Witness BatchSpanProcessor + its encoder  vs  the SDK's BatchSpanProcessor + the serializer the
 *      official @opentelemetry/exporter-trace-otlp-proto uses (ProtobufTraceSerializer). Neither sends
 *      the bytes (the network is the same for both and would only add noise); spans are made in
 *      chunks of 512 followed by forceFlush(), so both sides batch and encode every span and the
 *      queues never drop. Compression is off on both sides.
 *  (c) informational: (b) plus a real HTTP POST to a local sink, our exporter vs the official
 *      OTLPTraceExporter (proto), both uncompressed.
 *
 *   npm run bench:sdk [-- --spans 102400 --rounds 9]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor as OtelBatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  BatchSpanProcessor,
  OtlpTraceEncoder,
  OtlpTraceExporter,
  type ReadableSpanLike,
  WitnessTracerProvider,
} from '../packages/sdk/src/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHUNK = 512;
const SPANS = Math.ceil(arg('spans', 102_400) / CHUNK) * CHUNK;
const ROUNDS = arg('rounds', 9);
const HTTP_SPANS = Math.ceil(SPANS / 4 / CHUNK) * CHUNK;

const resource = { 'service.name': 'bench', 'service.version': '1.0.0' };

/** Ten attributes shaped like an LLM span: strings, ints, a double, a bool. */
function work(tracer: Tracer, i: number): void {
  const span = tracer.startSpan('chat gpt-4o');
  span.setAttribute('gen_ai.operation.name', 'chat');
  span.setAttribute('gen_ai.provider.name', 'openai');
  span.setAttribute('gen_ai.request.model', 'gpt-4o');
  span.setAttribute('gen_ai.response.model', 'gpt-4o-2024-08-06');
  span.setAttribute('gen_ai.usage.input_tokens', 1200 + (i & 255));
  span.setAttribute('gen_ai.usage.output_tokens', 200 + (i & 63));
  span.setAttribute('gen_ai.request.temperature', 0.2);
  span.setAttribute('witness.kind', 'llm');
  span.setAttribute('witness.session.id', 'sess-42');
  span.setAttribute('witness.tool.side_effect', false);
  span.end();
}

interface Side {
  tracer: Tracer;
  flush(): Promise<void>;
}

async function measure(side: Side, spans: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < spans; done += CHUNK) {
    for (let i = 0; i < CHUNK; i++) work(side.tracer, done + i);
    await side.flush();
  }
  return Number(process.hrtime.bigint() - t0) / spans;
}

const noFlush = async () => {};

function witnessBare(): Side {
  return { tracer: new WitnessTracerProvider({ resource }).getTracer('bench'), flush: noFlush };
}
function otelBare(): Side {
  const p = new BasicTracerProvider({ resource: resourceFromAttributes(resource) });
  return { tracer: p.getTracer('bench'), flush: noFlush };
}

let encodedBytes = 0;
function witnessEncode(): Side {
  const encoder = new OtlpTraceEncoder();
  const bsp = new BatchSpanProcessor(
    {
      encode: (s: readonly ReadableSpanLike[]) => encoder.encode(s),
      send: async (body: Uint8Array) => {
        encodedBytes += body.length;
        return { kind: 'success' as const };
      },
    },
    { maxExportBatchSize: CHUNK, maxQueueSize: 4 * CHUNK },
  );
  const p = new WitnessTracerProvider({ resource, spanProcessors: [bsp] });
  return { tracer: p.getTracer('bench'), flush: () => p.forceFlush() };
}

/** What OTLPTraceExporter (proto) does before the network: serialize the batch with the official serializer. */
class SerializeOnlyExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (r: { code: number }) => void): void {
    const bytes = ProtobufTraceSerializer.serializeRequest(spans);
    encodedBytes += bytes?.length ?? 0;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}
function otelEncode(): Side {
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [
      new OtelBatchSpanProcessor(new SerializeOnlyExporter(), {
        maxExportBatchSize: CHUNK,
        maxQueueSize: 4 * CHUNK,
      }),
    ],
  });
  return { tracer: p.getTracer('bench'), flush: () => p.forceFlush() };
}

function witnessHttp(url: string): Side {
  const bsp = new BatchSpanProcessor(new OtlpTraceExporter({ url, compression: 'none' }), {
    maxExportBatchSize: CHUNK,
    maxQueueSize: 4 * CHUNK,
  });
  const p = new WitnessTracerProvider({ resource, spanProcessors: [bsp] });
  return { tracer: p.getTracer('bench'), flush: () => p.forceFlush() };
}
function otelHttp(url: string): Side {
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [
      new OtelBatchSpanProcessor(new OTLPTraceExporter({ url }), {
        maxExportBatchSize: CHUNK,
        maxQueueSize: 4 * CHUNK,
      }),
    ],
  });
  return { tracer: p.getTracer('bench'), flush: () => p.forceFlush() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function compare(label: string, ours: () => Side, theirs: () => Side, spans: number, rounds: number) {
  const a = ours();
  const b = theirs();
  // warm both up (JIT) before measuring
  await measure(a, Math.min(spans, 20 * CHUNK));
  await measure(b, Math.min(spans, 20 * CHUNK));
  const oursNs: number[] = [];
  const theirsNs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // alternate the order so drift on a shared machine hits both sides alike
    if (r % 2 === 0) {
      oursNs.push(await measure(a, spans));
      theirsNs.push(await measure(b, spans));
    } else {
      theirsNs.push(await measure(b, spans));
      oursNs.push(await measure(a, spans));
    }
  }
  const o = median(oursNs);
  const t = median(theirsNs);
  console.log(
    `${label.padEnd(44)} witness ${(o / 1000).toFixed(3).padStart(7)} µs/span   otel-sdk ${(t / 1000).toFixed(3).padStart(7)} µs/span   ratio ${(o / t).toFixed(3)}×`,
  );
  return { ours: o, theirs: t };
}

async function main() {
  console.log(`bench:sdk — ${SPANS} spans × ${ROUNDS} rounds (median), node ${process.version}`);
  const a = await compare('(a) start + 10 attributes + end', witnessBare, otelBare, SPANS, ROUNDS);
  const b = await compare(
    '(b) + batching + OTLP protobuf encoding',
    witnessEncode,
    otelEncode,
    SPANS,
    ROUNDS,
  );

  const sink = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  await compare(
    '(c) + HTTP POST to a local sink (info)',
    () => witnessHttp(url),
    () => otelHttp(url),
    HTTP_SPANS,
    Math.max(3, Math.floor(ROUNDS / 2)),
  );
  sink.close();

  console.log(
    `targets: (a) ≤ 0.5× ${a.ours / a.theirs <= 0.5 ? 'met' : 'MISSED'}, ≤ 1.5 µs ${a.ours <= 1500 ? 'met' : 'MISSED'}; ` +
      `(b) ≤ 0.5× ${b.ours / b.theirs <= 0.5 ? 'met' : 'MISSED'}   (encoded ${(encodedBytes / 1e6).toFixed(0)} MB in total)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
