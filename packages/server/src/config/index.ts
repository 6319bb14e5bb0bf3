/** config: one zod schema per module section; loaded from YAML + WITNESS_* env + flags. */
export { ConfigError, envVarNames, type LoadConfigOptions, loadConfig } from './load-config.js';
export {
  type ConfigInput,
  configSchema,
  limitsSection,
  policySpec,
  retentionSection,
  serverSection,
  type WitnessConfig,
} from './schema.js';
export {
  EXPORT_SIGNALS,
  type ExporterConfig,
  type ExporterSecretRef,
  type ExporterType,
  type ExportSignal,
  exporterCommon,
  exporterSchema,
  exporterSecretRef,
} from './exporters-schema.js';
