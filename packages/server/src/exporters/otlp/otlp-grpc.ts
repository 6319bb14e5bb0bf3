/**
 * OTLP/gRPC transport on @grpc/grpc-js: the same encoded requests as OTLP/HTTP, sent as unary calls to
 * opentelemetry.proto.collector.{traces,logs,metrics}.v1.{Trace,Logs,Metrics}Service/Export, with the
 * exporter's headers as metadata and gzip message compression unless off (compression `none`, or `auto`
 * to a loopback endpoint: otlp-exporter.ts).
 *
 * Outcomes follow the OTLP/gRPC spec: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE
 * and DATA_LOSS are retryable; RESOURCE_EXHAUSTED only when the server says when (RetryInfo in
 * grpc-status-details-bin), whose delay is honoured like Retry-After; everything else is permanent.
 */
import { type CallOptions, Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { ExportResult } from '../types.js';
import type { OtlpCall, OtlpTransport } from './otlp-transport.js';
import { partialSuccess } from './otlp-encode.js';

const METHOD: Record<OtlpCall['signal'], string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const RETRYABLE = new Set<number>([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

// google.rpc.Status and google.rpc.RetryInfo, as published in googleapis/google/rpc
const rpc = protobuf.parse(
  `syntax = "proto3"; package google.rpc;
   message Any { string type_url = 1; bytes value = 2; }
   message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
   message Duration { int64 seconds = 1; int32 nanos = 2; }
   message RetryInfo { Duration retry_delay = 1; }`,
  { keepCase: true },
).root;
const RpcStatus = rpc.lookupType('google.rpc.Status');
const RetryInfo = rpc.lookupType('google.rpc.RetryInfo');

/** The RetryInfo delay of a failed call, ms, when the server sent one. */
export function retryDelayMs(err: ServiceError): number | undefined {
  const bin = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Buffer)) return undefined;
  try {
    const st = RpcStatus.toObject(RpcStatus.decode(bin), { longs: Number }) as {
      details?: Array<{ type_url: string; value: Uint8Array }>;
    };
    for (const d of st.details ?? []) {
      if (!d.type_url.endsWith('google.rpc.RetryInfo')) continue;
      const ri = RetryInfo.toObject(RetryInfo.decode(d.value), { longs: Number }) as {
        retry_delay?: { seconds?: number; nanos?: number };
      };
      return (ri.retry_delay?.seconds ?? 0) * 1000 + Math.round((ri.retry_delay?.nanos ?? 0) / 1e6);
    }
  } catch {
    // unreadable details: no delay
  }
  return undefined;
}

export function classifyGrpc(err: ServiceError): ExportResult {
  const error = `gRPC ${status[err.code] ?? err.code}: ${err.details || err.message}`.slice(0, 500);
  const retryAfterMs = retryDelayMs(err);
  if (RETRYABLE.has(err.code)) return { kind: 'retryable', error, retryAfterMs };
  if (err.code === status.RESOURCE_EXHAUSTED && retryAfterMs !== undefined)
    return { kind: 'retryable', error, retryAfterMs };
  return { kind: 'permanent', error };
}

export function grpcTransport(
  endpoint: string,
  headers: Record<string, string>,
  gzip: boolean,
): OtlpTransport {
  const url = new URL(endpoint);
  const tls = url.protocol === 'https:';
  const target = `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || (tls ? 443 : 4317)}`;
  const client = new Client(target, tls ? credentials.createSsl() : credentials.createInsecure(), {
    // gzip every message (grpc-js: 0 identity, 1 deflate, 2 gzip)
    'grpc.default_compression_algorithm': gzip ? 2 : 0,
    'grpc.primary_user_agent': 'witness-exporter',
  });
  const identity = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return {
    call: (c, signal) =>
      new Promise<ExportResult>((resolve) => {
        const md = new Metadata();
        for (const [k, v] of Object.entries(headers)) md.set(k.toLowerCase(), v);
        const options: CallOptions = {};
        const call = client.makeUnaryRequest<Uint8Array, Buffer>(
          METHOD[c.signal],
          identity,
          (b: Buffer) => b,
          c.body,
          md,
          options,
          (err, res) => {
            signal.removeEventListener('abort', cancel);
            if (err) resolve(signal.aborted ? { kind: 'retryable', error: 'timed out' } : classifyGrpc(err));
            else {
              const ps = partialSuccess(c.signal, res ?? Buffer.alloc(0));
              resolve({ kind: 'success', rejected: ps.rejected, message: ps.message });
            }
          },
        );
        const cancel = () => call.cancel();
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
      }),
    close: () => client.close(),
  };
}
