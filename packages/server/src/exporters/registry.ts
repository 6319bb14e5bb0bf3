import type { ExporterConfig, ExporterType } from '../config/index.js';
import { createCloudWatchExporter } from './cloudwatch/cloudwatch-exporter.js';
import { createElasticsearchExporter } from './elasticsearch/elasticsearch-exporter.js';
import { createLokiExporter } from './loki/loki-exporter.js';
import { createOtlpExporter } from './otlp/otlp-exporter.js';
import { createRemoteWriteExporter } from './remote-write/remote-write-exporter.js';
import { createSplunkHecExporter } from './splunk-hec/splunk-hec-exporter.js';
import type { Exporter, ExporterContext, ExporterFactory } from './types.js';

/**
 * Every exporter type, by its config `type`. Adding a type is one line here (plus its member of the
 * union in config/exporters-schema.ts); the mapped type makes the compiler refuse a member without a
 * factory.
 */
export const EXPORTER_FACTORIES: {
  [T in ExporterType]: ExporterFactory<Extract<ExporterConfig, { type: T }>>;
} = {
  otlp: createOtlpExporter,
  prometheus_remote_write: createRemoteWriteExporter,
  elasticsearch: createElasticsearchExporter,
  splunk_hec: createSplunkHecExporter,
  loki: createLokiExporter,
  cloudwatch: createCloudWatchExporter,
};

/** Builds the exporter a config member names. */
export function createExporter(config: ExporterConfig, ctx: ExporterContext): Exporter {
  const factory = EXPORTER_FACTORIES[config.type] as ExporterFactory;
  return factory(config, ctx);
}
