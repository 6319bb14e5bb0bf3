export {
  type BatchSpanProcessorOptions,
  BatchSpanProcessor,
  type BatchTarget,
  type ExportStats,
} from './batch-span-processor.js';
export {
  batchOptionsFromEnv,
  exporterOptionsFromEnv,
  parseHeaders,
  resourceFromEnv,
  tracesUrlOf,
} from './env.js';
export {
  HttpTransport,
  type HttpTransportOptions,
  parseRetryAfter,
  type SendResult,
} from './http-transport.js';
export { OtlpTraceEncoder } from './otlp-encoder.js';
export { encodeTracesJson } from './otlp-json-encoder.js';
export { OtlpTraceExporter, type OtlpTraceExporterOptions } from './otlp-trace-exporter.js';
export { WitnessOtelSpanExporter, WitnessOtelSpanProcessor } from './otel-sdk-adapter.js';
