import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { status as GrpcCode, type Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { encodeRpcStatus } from '../../http/rpc-status.js';
import { decodeRpcStatus, encodeStatusWithRetryInfo, refusalStatus } from './grpc-status.js';
import { peerAddress } from './receiver.js';

/** google.rpc.Status with its RetryInfo, read by @bufbuild/protobuf's wire reader (not ours). */
function readStatusDetails(bytes: Uint8Array) {
  const out = { code: 0, message: '', typeUrl: '', retrySeconds: -1 };
  const status = new BinaryReader(bytes);
  while (status.pos < status.len) {
    const [field, wire] = status.tag();
    if (field === 1) out.code = status.int32();
    else if (field === 2) out.message = status.string();
    else if (field === 3) {
      const any = new BinaryReader(status.bytes());
      while (any.pos < any.len) {
        const [f] = any.tag();
        if (f === 1) out.typeUrl = any.string();
        else {
          const retryInfo = new BinaryReader(any.bytes());
          retryInfo.tag();
          const duration = new BinaryReader(retryInfo.bytes());
          out.retrySeconds = 0;
          while (duration.pos < duration.len) {
            const [df] = duration.tag();
            if (df === 1) out.retrySeconds = Number(duration.int64());
            else duration.skip(WireType.Varint);
          }
        }
      }
    } else status.skip(wire);
  }
  return out;
}

describe('gRPC status of an OTLP/HTTP refusal', () => {
  it('reads the code and message of the route’s google.rpc.Status body', () => {
    expect(decodeRpcStatus(encodeRpcStatus(3, 'invalid OTLP protobuf body: truncated varint'))).toEqual({
      code: 3,
      message: 'invalid OTLP protobuf body: truncated varint',
    });
    expect(decodeRpcStatus(Buffer.from('{"error":{}}'))).toBeNull();
    expect(decodeRpcStatus(new Uint8Array(0))).toBeNull();
  });

  it('a refusal without Retry-After carries no details (not retryable)', () => {
    const s = refusalStatus(400, encodeRpcStatus(3, 'bad body'), null);
    expect(s).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'bad body' });
  });

  it('429 and 503 with Retry-After carry google.rpc.RetryInfo in grpc-status-details-bin', () => {
    const s = refusalStatus(429, encodeRpcStatus(8, 'too many requests'), 3);
    expect(s.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    const bin = (s.metadata as Metadata).get('grpc-status-details-bin')[0] as Buffer;
    expect(readStatusDetails(bin)).toEqual({
      code: 8,
      message: 'too many requests',
      typeUrl: 'type.googleapis.com/google.rpc.RetryInfo',
      retrySeconds: 3,
    });
    const u = refusalStatus(503, encodeRpcStatus(14, 'the store is still opening'), 1);
    expect(u.code).toBe(GrpcCode.UNAVAILABLE);
    expect(readStatusDetails(encodeStatusWithRetryInfo(14, 'x', 1)).retrySeconds).toBe(1);
  });

  it('an answer that is not a Status falls back on its HTTP status', () => {
    expect(refusalStatus(401, Buffer.from('{}'), null).code).toBe(GrpcCode.UNAUTHENTICATED);
    expect(refusalStatus(500, Buffer.from('{}'), null).code).toBe(GrpcCode.INTERNAL);
  });
});

describe('peerAddress', () => {
  it('drops the port of IPv4 and IPv6 peers', () => {
    expect(peerAddress('127.0.0.1:51234')).toBe('127.0.0.1');
    expect(peerAddress('::1:51234')).toBe('::1');
    expect(peerAddress('::ffff:10.0.0.2:4000')).toBe('::ffff:10.0.0.2');
    expect(peerAddress('unknown')).toBe('unknown');
  });
});
