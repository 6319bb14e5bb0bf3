/** ingest: the pipeline from decoded OTLP batches to the sinks (store, audit, metrics, exporters). */
export { Admission, type AdmissionOptions } from './admission.js';
export {
  type BatchSpool,
  IngestPipeline,
  type IngestPipelineOptions,
  type IngestStats,
  type StoreWriter,
} from './pipeline.js';
export type { IngestSink } from './types.js';
