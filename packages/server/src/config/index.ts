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
