/**
 * exporters: forwarders of what Witness receives to other backends (OTLP, Prometheus remote write, …).
 * Each configured exporter is an ingest sink with its own bounded disk queue under
 * <dataDir>/exporters/<name>/, batching, retries with jittered backoff honouring Retry-After, a
 * dead-letter file and metrics; an exporter type only encodes a batch and classifies the answer.
 * How to add a type: docs/exporters.md ("Adding an exporter").
 */
export { classifyHttpStatus, networkFailure, parseRetryAfter } from './classify.js';
export { DEAD_LETTER_FILE } from './dead-letter.js';
export { derivedSamples } from './derived-samples.js';
export { DiskQueue, type DiskQueueOptions } from './disk-queue.js';
export { exportersRoutes } from './exporters-routes.js';
export { ExportFilter, type ExportFilterSpec } from './filter.js';
export { type ExportRequest, sendHttp } from './http-send.js';
export { EXPORTERS_DIR, ExporterHub, type ExporterHubOptions } from './hub.js';
export { createExporter, EXPORTER_FACTORIES } from './registry.js';
export { backoffMs, type ExporterState, type ExporterStatus } from './runner.js';
export { resolveExporterSecret, resolveHeaders } from './secrets.js';
export {
  type EncodedFrame,
  type ExportBatch,
  type Exporter,
  ExporterConfigError,
  type ExporterContext,
  type ExporterFactory,
  type ExportResult,
  type FrameSignal,
  type MetricSample,
  type QueueCodec,
  type SendContext,
} from './types.js';
