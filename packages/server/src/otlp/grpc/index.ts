/**
 * otlp/grpc: OTLP/gRPC (port 4317) for the official gRPC exporters, served by the OTLP/HTTP routes
 * in-process (receiver.ts says why), with gRPC status codes and RetryInfo (grpc-status.ts).
 */
export {
  type GrpcReceiver,
  type GrpcReceiverOptions,
  peerAddress,
  startGrpcReceiver,
} from './receiver.js';
export { decodeRpcStatus, encodeStatusWithRetryInfo, refusalStatus } from './grpc-status.js';
export { type GrpcSignal, OTLP_GRPC_SERVICES } from './services.js';
export { grpcRequestsCounter } from './grpc-metrics.js';
