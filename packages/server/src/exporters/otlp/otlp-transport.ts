import { sendHttp } from '../http-send.js';
import type { ExportResult } from '../types.js';
import { partialSuccess } from './otlp-encode.js';

/** One OTLP export of one signal: the path (HTTP) or method (gRPC), and the encoded request. */
export interface OtlpCall {
  signal: 'traces' | 'logs' | 'metrics';
  body: Uint8Array;
  items: number;
}

/** The transport: HTTP/protobuf here, gRPC in otlp-grpc.ts; both take the same encoded messages. */
export interface OtlpTransport {
  call(c: OtlpCall, signal: AbortSignal): Promise<ExportResult>;
  close?(): Promise<void> | void;
}

export function httpTransport(
  endpoint: string,
  headers: Record<string, string>,
  gzip: boolean,
): OtlpTransport {
  const base = endpoint.replace(/\/+$/, '');
  return {
    call: (c, signal) =>
      sendHttp(
        {
          url: `${base}/v1/${c.signal}`,
          headers: { ...headers, 'content-type': 'application/x-protobuf' },
          body: c.body,
          gzip,
        },
        signal,
        (res, body) => {
          if (!res.ok) return undefined;
          // 200 with partial_success: the refused records are counted, not retried (the spec's rule)
          const ps = partialSuccess(c.signal, body);
          return { kind: 'success', rejected: ps.rejected, message: ps.message };
        },
      ),
  };
}
