import type { ReadableSpanLike } from '../trace/types.js';
import { HttpTransport, type SendResult } from './http-transport.js';
import { OtlpTraceEncoder } from './otlp-encoder.js';
import { encodeTracesJson } from './otlp-json-encoder.js';

export interface OtlpTraceExporterOptions {
  /** Full traces URL. @default 'http://localhost:4318/v1/traces' */
  url?: string;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** @default 'http/protobuf' */
  protocol?: 'http/protobuf' | 'http/json';
  /** @default 'gzip' */
  compression?: 'gzip' | 'none';
  /** Per-request timeout. @default 10000 */
  timeoutMillis?: number;
}

/** Encodes a batch once and sends it; the batch processor decides about retries. */
export class OtlpTraceExporter {
  private readonly transport: HttpTransport;
  private readonly encoder = new OtlpTraceEncoder();
  private readonly json: boolean;
  /** Where batches go (named in the processor's warnings). */
  readonly url: string;

  constructor(options: OtlpTraceExporterOptions = {}) {
    this.json = options.protocol === 'http/json';
    this.url = options.url ?? 'http://localhost:4318/v1/traces';
    this.transport = new HttpTransport({
      url: this.url,
      headers: options.headers,
      compression: options.compression,
      timeoutMillis: options.timeoutMillis,
      contentType: this.json ? 'application/json' : 'application/x-protobuf',
    });
  }

  encode(spans: readonly ReadableSpanLike[]): Uint8Array {
    return this.json ? encodeTracesJson(spans) : this.encoder.encode(spans);
  }

  send(body: Uint8Array): Promise<SendResult> {
    return this.transport.send(body);
  }

  shutdown(): void {
    this.transport.close();
  }
}
