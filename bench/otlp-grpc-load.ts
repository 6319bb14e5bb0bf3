/**
 * The gRPC half of bench:otlp-grpc, in its own process like bench/ingest-load.ts (its HTTP twin):
 * sends the same pre-encoded 512-span protobuf batches as ExportTraceServiceRequests over one gRPC
 * channel (HTTP/2, `--concurrency` calls in flight) for `--seconds`, and prints one JSON line with
 * what was answered OK.
 */
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { BATCH_SPANS, buildTemplate, payloadFor } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const target = arg('target', '127.0.0.1:4317');
const concurrency = Number(arg('concurrency', '8'));
const seconds = Number(arg('seconds', '10'));
const tag = Number(arg('tag', String(process.pid)));

const id = (b: Buffer) => b;
const Client = makeGenericClientConstructor(
  {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestSerialize: id,
      requestDeserialize: id,
      responseSerialize: id,
      responseDeserialize: id,
    },
  },
  'TraceService',
);
const client = new Client(target, credentials.createInsecure()) as unknown as {
  Export(b: Buffer, m: Metadata, cb: (err: ServiceError | null) => void): void;
  close(): void;
};
const template = buildTemplate();
const none = new Metadata();
const send = (body: Uint8Array) =>
  new Promise<number>((resolve) =>
    client.Export(Buffer.from(body.buffer, body.byteOffset, body.byteLength), none, (err) =>
      resolve(err ? err.code : 0),
    ),
  );

let next = 0;
let ok = 0;
let rejected = 0;
let failed = 0;
const deadline = Date.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const code = await send(payloadFor(template, next++, tag));
      if (code === 0) ok++;
      // RESOURCE_EXHAUSTED, UNAVAILABLE: shed load (HTTP's 429/503)
      else if (code === 8 || code === 14) rejected++;
      else failed++;
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
client.close();
process.stdout.write(
  `${JSON.stringify({ batches: ok, spans: ok * BATCH_SPANS, seconds: elapsed, rejected, failed, payloadBytes: template.bytes.length })}\n`,
);
