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

/**
 * The message size gRPC servers take by default (grpc-go, so the Collector, Tempo and Jaeger; grpc-js),
 * checked after decompression. A bigger one is refused with RESOURCE_EXHAUSTED and no RetryInfo, i.e.
 * for good: the exporter's batches stay under it (Exporter.maxRequestBytes).
 */
export const GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The channel's own reconnect backoff, kept short: the exporter paces its attempts (retry.*), and
 * grpc-js's default (1 s growing ×1.6 to 120 s) fails every attempt fast while it waits, so delivery
 * resumed 15–26 s after a target came back from a 40–60 s outage, and up to 2 minutes after a longer
 * one (test/exporters-otlp-grpc-faults.e2e). A refused connect a second while the target is down costs
 * nothing.
 */
const RECONNECT_BACKOFF = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1000,
};

/**
 * `timeoutMs` (the exporter's attempt timeout) goes out as the call's deadline (grpc-timeout), as the
 * OpenTelemetry SDKs' exporters send theirs: the server and any proxy know when the client stops
 * waiting and can drop the work instead of storing a copy the client will send again.
 */
export function grpcTransport(
  endpoint: string,
  headers: Record<string, string>,
  gzip: boolean,
  timeoutMs?: number,
): OtlpTransport {
  const url = new URL(endpoint);
  const tls = url.protocol === 'https:';
  const target = `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || (tls ? 443 : 4317)}`;
  const client = new Client(target, tls ? credentials.createSsl() : credentials.createInsecure(), {
    // gzip every message (grpc-js: 0 identity, 1 deflate, 2 gzip)
    'grpc.default_compression_algorithm': gzip ? 2 : 0,
    'grpc.primary_user_agent': 'witness-exporter',
    ...RECONNECT_BACKOFF,
  });
  const identity = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return {
    call: (c, signal) =>
      new Promise<ExportResult>((resolve) => {
        const md = new Metadata();
        for (const [k, v] of Object.entries(headers)) md.set(k.toLowerCase(), v);
        const options: CallOptions = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
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
