/**
 * The OTLP/gRPC receiver (port 4317): a grpc-js server whose Export methods are a transport adapter.
 * Each call becomes the POST /v1/<signal> request the OTLP/HTTP port serves, run in-process through
 * the same auth middleware and the same route (admission, decode, partial success, ingest, metrics),
 * and that route's answer becomes the gRPC answer (grpc-status.ts). So limits, auth, project choice
 * and error wording cannot drift between the two transports: there is one implementation of each.
 *
 * grpc-js does the transport's own work: HTTP/2, framing, `grpc-encoding: gzip` (decompressed, and
 * bounded by `maxMessageBytes` both before and after decompression), deadlines and TLS.
 */
import {
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  status as GrpcCode,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { refusalStatus, retryAfterOf } from './grpc-status.js';
import {
  type GrpcSignal,
  HEALTH_NOT_SERVING,
  HEALTH_SERVICE,
  HEALTH_SERVING,
  OTLP_GRPC_SERVICES,
} from './services.js';

/** Metadata passed on to the in-process request: credentials, the project, and the proxy chain. */
const FORWARDED_METADATA = [
  'authorization',
  'x-witness-key',
  'x-witness-project',
  'x-forwarded-for',
  'user-agent',
];

export interface GrpcReceiverOptions {
  /** Interface to listen on. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Serves one OTLP/HTTP request in-process (the auth middleware and the OTLP routes of the HTTP
   * port); `remoteAddress` is the gRPC peer, for the per-address rate limits and failure budget.
   */
  serve: (request: Request, remoteAddress: string) => Response | Promise<Response>;
  /** Largest message, compressed on the wire and again after decompression (limits.maxRequestBytes). */
  maxMessageBytes: number;
  /** Certificate and key (PEM) to serve TLS with; null = plaintext (h2c). */
  tls: { cert: Buffer; key: Buffer } | null;
  /** False until the store is open: the health service answers NOT_SERVING. */
  ready: () => boolean;
  /** Concurrent calls per connection. @default 100 */
  maxConcurrentStreams?: number;
  /** Told of every answered Export call (metrics). */
  onAnswer?: (signal: GrpcSignal, code: GrpcCode) => void;
  /** Told about a failure of the adapter itself (answered INTERNAL). */
  onError?: (err: unknown) => void;
}

export interface GrpcReceiver {
  /** The bound port (the real one when asked for 0). */
  readonly port: number;
  /** `host:port`, as exporters' `url` takes it (with `http://` or `https://`). */
  readonly address: string;
  readonly tls: boolean;
  /** Serves this certificate and key to new connections (SIGHUP, after the HTTPS port took them). */
  reloadTls(material: { cert: Buffer; key: Buffer }): void;
  /** Stops accepting; calls in flight get `graceMs` to finish, then are cut. */
  close(graceMs?: number): Promise<void>;
}

/** "127.0.0.1:51234" / "::1:51234" → the address without the port (rate limits key on it). */
export function peerAddress(peer: string): string {
  const i = peer.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(peer.slice(i + 1)) ? peer.slice(0, i) : peer;
}

function headersOf(metadata: Metadata): Headers {
  const headers = new Headers({ 'content-type': 'application/x-protobuf' });
  for (const key of FORWARDED_METADATA) {
    const value = metadata.get(key)[0];
    if (typeof value === 'string') headers.set(key, value);
  }
  return headers;
}

function exportHandler(
  signal: GrpcSignal,
  httpPath: string,
  options: GrpcReceiverOptions,
): handleUnaryCall<Buffer, Buffer> {
  const url = `http://otlp-grpc.invalid${httpPath}`;
  return (call: ServerUnaryCall<Buffer, Buffer>, callback) => {
    const answer = (code: GrpcCode) => options.onAnswer?.(signal, code);
    const request = new Request(url, {
      method: 'POST',
      headers: headersOf(call.metadata),
      body: call.request as Uint8Array<ArrayBuffer>,
    });
    Promise.resolve(options.serve(request, peerAddress(call.getPeer())))
      .then(async (res) => {
        const body = new Uint8Array(await res.arrayBuffer());
        if (res.status === 200) {
          answer(GrpcCode.OK);
          callback(null, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
          return;
        }
        const status = refusalStatus(res.status, body, retryAfterOf(res.headers.get('retry-after')));
        answer(status.code);
        callback(status);
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        answer(GrpcCode.INTERNAL);
        callback({ code: GrpcCode.INTERNAL, details: 'internal error; see the server log' });
      });
  };
}

/**
 * TLS credentials whose certificate can be swapped while serving: grpc-js hands each update to its
 * HTTP/2 server's setSecureContext, so open connections keep their session and new handshakes get the
 * new pair, as the HTTPS port does on SIGHUP (http/tls/tls-reload.ts). No client certificates asked.
 */
class ReloadableTlsCredentials extends ServerCredentials {
  constructor(material: { cert: Buffer; key: Buffer }) {
    super({}, { cert: material.cert, key: material.key });
  }
  swap(material: { cert: Buffer; key: Buffer }): void {
    this.updateSecureContextOptions({ cert: material.cert, key: material.key });
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export async function startGrpcReceiver(options: GrpcReceiverOptions): Promise<GrpcReceiver> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    // the answers are small (an empty response, a partial_success): nothing large is ever sent
    'grpc.max_send_message_length': 64 * 1024,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? 100,
  });
  for (const service of OTLP_GRPC_SERVICES) {
    const impl: UntypedServiceImplementation = {
      Export: exportHandler(service.signal, service.httpPath, options),
    };
    server.addService(service.definition, impl);
  }
  const check: handleUnaryCall<Buffer, Buffer> = (_call, callback) =>
    callback(null, options.ready() ? HEALTH_SERVING : HEALTH_NOT_SERVING);
  server.addService(HEALTH_SERVICE, { Check: check });

  const reloadable = options.tls ? new ReloadableTlsCredentials(options.tls) : null;
  const credentials = reloadable ?? ServerCredentials.createInsecure();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port}`, credentials, (err, bound) =>
      err
        ? reject(new Error(`OTLP/gRPC cannot listen on ${host}:${options.port}: ${err.message}`))
        : resolve(bound),
    ),
  );
  let closing: Promise<void> | null = null;
  return {
    port,
    address: `${host}:${port}`,
    tls: options.tls !== null,
    reloadTls: (material) => reloadable?.swap(material),
    close(graceMs = 5_000) {
      closing ??= new Promise<void>((done) => {
        // calls in flight finish (they are answered after their batch is stored); a client that holds
        // a call open past the grace period is cut, so shutdown is bounded
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      });
      return closing;
    },
  };
}
