/**
 * The OTLP/HTTP route's answer → the gRPC answer (OTLP spec, "OTLP/gRPC Response" and "Failures"):
 * 200 → the Export*ServiceResponse bytes as they are (partial_success included); a refusal → its
 * `google.rpc.Status` code and message, which the route already words in gRPC codes (GRPC_STATUS):
 * 400 → INVALID_ARGUMENT, 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 413 and 429 →
 * RESOURCE_EXHAUSTED, 503 → UNAVAILABLE. A refusal with Retry-After (429 load shedding or rate limit,
 * 503 store not ready or failing) also carries `google.rpc.RetryInfo` in `grpc-status-details-bin`:
 * the spec makes RESOURCE_EXHAUSTED retryable only with it, and collectors honour its delay.
 */
import { Metadata, status as GrpcCode, type StatusObject } from '@grpc/grpc-js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from '../proto-reader.js';

/** When the body is not a google.rpc.Status (an unexpected answer), the HTTP status decides. */
const BY_HTTP_STATUS: Record<number, GrpcCode> = {
  400: GrpcCode.INVALID_ARGUMENT,
  401: GrpcCode.UNAUTHENTICATED,
  403: GrpcCode.PERMISSION_DENIED,
  404: GrpcCode.UNIMPLEMENTED,
  413: GrpcCode.RESOURCE_EXHAUSTED,
  415: GrpcCode.INVALID_ARGUMENT,
  429: GrpcCode.RESOURCE_EXHAUSTED,
  503: GrpcCode.UNAVAILABLE,
};

/** Reads `google.rpc.Status { int32 code = 1; string message = 2; }`; null if the bytes are not one. */
export function decodeRpcStatus(body: Uint8Array): { code: number; message: string } | null {
  try {
    const r = new ProtoReader(body);
    const end = body.length;
    let code = 0;
    let message = '';
    while (r.pos < end) {
      const tag = r.varint(end);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_VARINT) code = r.varint(end);
      else if (field === 2 && wire === WIRE_LEN) message = r.stringTo(r.lengthEnd(end));
      else r.skip(wire, end);
    }
    return code > 0 && code <= 16 ? { code, message } : null;
  } catch {
    return null;
  }
}

/** The gRPC status for a refused request: code, message, and RetryInfo when it may be retried later. */
export function refusalStatus(
  httpStatus: number,
  body: Uint8Array,
  retryAfterSeconds: number | null,
): Partial<StatusObject> & { code: GrpcCode } {
  const decoded = decodeRpcStatus(body);
  const code: GrpcCode =
    (decoded?.code as GrpcCode | undefined) ??
    BY_HTTP_STATUS[httpStatus] ??
    (httpStatus >= 500 ? GrpcCode.INTERNAL : GrpcCode.UNKNOWN);
  const details = decoded?.message || `refused (HTTP ${httpStatus})`;
  if (retryAfterSeconds === null) return { code, details };
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encodeStatusWithRetryInfo(code, details, retryAfterSeconds));
  return { code, details, metadata };
}

/** Retry-After as whole seconds (Witness always sends delta-seconds), or null. */
export function retryAfterOf(header: string | null): number | null {
  if (header === null) return null;
  const n = Number(header);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n) : null;
}

// --- a few protobuf fields, written by hand (as http/rpc-status.ts does for the OTLP/HTTP body) ---

function varint(n: number, out: number[]): void {
  let v = n;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function lengthDelimited(field: number, bytes: Uint8Array | number[], out: number[]): void {
  out.push((field << 3) | WIRE_LEN);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/**
 * `google.rpc.Status { code, message, details: [Any(google.rpc.RetryInfo { retry_delay: Duration
 * { seconds } })] }`: the rich error status gRPC clients read from `grpc-status-details-bin`.
 */
export function encodeStatusWithRetryInfo(code: number, message: string, retryAfterSeconds: number): Buffer {
  const duration: number[] = [];
  if (retryAfterSeconds > 0) {
    duration.push((1 << 3) | WIRE_VARINT);
    varint(retryAfterSeconds, duration);
  }
  const retryInfo: number[] = [];
  lengthDelimited(1, duration, retryInfo);
  const any: number[] = [];
  lengthDelimited(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo', 'utf8'), any);
  lengthDelimited(2, retryInfo, any);
  const status: number[] = [(1 << 3) | WIRE_VARINT];
  varint(code, status);
  lengthDelimited(2, Buffer.from(message, 'utf8'), status);
  lengthDelimited(3, any, status);
  return Buffer.from(status);
}
