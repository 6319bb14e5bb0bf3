/**
 * witness_ingest_grpc_requests_total{signal, code}: the gRPC status of each Export call. The ingest
 * latency and refusal metrics (witness_ingest_batch_duration_seconds, witness_ingest_rejected_total)
 * already count these calls with the HTTP ones (they run the same route); this counter says which
 * came over gRPC and how they were answered. A separate counter rather than a `transport` label on
 * those: adding a label would change series that dashboards and alert rules already select.
 */
import { status as GrpcCode } from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import type { GrpcSignal } from './services.js';

const CODE_NAMES = new Map<number, string>(
  Object.entries(GrpcCode)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);

export function grpcRequestsCounter(registry: Registry): (signal: GrpcSignal, code: GrpcCode) => void {
  const counter = new Counter({
    name: 'witness_ingest_grpc_requests_total',
    help: 'OTLP/gRPC Export calls, by signal and gRPC status code (OK, INVALID_ARGUMENT, UNAUTHENTICATED, ...)',
    labelNames: ['signal', 'code'],
    registers: [registry],
  });
  return (signal, code) => counter.inc({ signal, code: CODE_NAMES.get(code) ?? String(code) });
}
