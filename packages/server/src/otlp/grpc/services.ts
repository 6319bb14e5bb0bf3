/**
 * The OTLP collector services as grpc-js `ServiceDefinition`s, written by hand: each is one unary
 * `Export` method whose request and response stay raw bytes (pass-through (de)serializers). The bytes
 * go to the same hand-written protobuf decoders the OTLP/HTTP routes use, so no .proto file is loaded
 * at runtime and no second decoder can disagree with the first.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';

/** The OTLP signal a service carries, and the OTLP/HTTP path whose route serves it. */
export type GrpcSignal = 'traces' | 'logs' | 'metrics';

const passThrough = (bytes: Buffer): Buffer => bytes;

function exportService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

export interface OtlpGrpcService {
  signal: GrpcSignal;
  /** The OTLP/HTTP route this service's requests are served by. */
  httpPath: string;
  definition: ServiceDefinition;
}

/** opentelemetry/proto/collector/{trace,logs,metrics}/v1/*_service.proto. */
export const OTLP_GRPC_SERVICES: readonly OtlpGrpcService[] = [
  {
    signal: 'traces',
    httpPath: '/v1/traces',
    definition: exportService('/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
  },
  {
    signal: 'logs',
    httpPath: '/v1/logs',
    definition: exportService('/opentelemetry.proto.collector.logs.v1.LogsService/Export'),
  },
  {
    signal: 'metrics',
    httpPath: '/v1/metrics',
    definition: exportService('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'),
  },
];

/**
 * grpc.health.v1.Health/Check (grpc/health/v1/health.proto): what Kubernetes' `grpc:` probe and gRPC
 * load balancers ask. The request's `service` name is ignored: every service here is served or none.
 */
export const HEALTH_SERVICE: ServiceDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

/** HealthCheckResponse { ServingStatus status = 1; } with SERVING (1) / NOT_SERVING (2). */
export const HEALTH_SERVING = Buffer.from([0x08, 0x01]);
export const HEALTH_NOT_SERVING = Buffer.from([0x08, 0x02]);
