/** ingest: the pipeline from decoded OTLP batches to the sinks (store, audit, metrics, exporters). */
export { Admission, type AdmissionOptions } from './admission.js';
export { IngestPipeline, type IngestPipelineOptions, type IngestStats } from './pipeline.js';
export { storeSink } from './store-sink.js';
export type { IngestSink } from './types.js';
