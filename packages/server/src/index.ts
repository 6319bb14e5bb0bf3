/** @witness/server — the public face of the server package. */
export type { LogRecord, SpanRecord, SpanEvent, SpanLink } from './model/index.js';
export { emptyAgentFields } from './model/index.js';
export type * from './store/types.js';
export type { IngestSink } from './ingest/types.js';
export { IngestPipeline, type IngestStats } from './ingest/index.js';
export {
  ConfigError,
  type ConfigInput,
  configSchema,
  envVarNames,
  type LoadConfigOptions,
  loadConfig,
  policySpec,
  type WitnessConfig,
} from './config/index.js';
export {
  type CertificateInfo,
  type ErrorCode,
  TlsConfigError,
  type TlsReloadResult,
  WitnessError,
} from './http/index.js';
export { PRIVATE_UMASK } from './data-dir/index.js';
export { createMetrics, grafanaExportFiles, type Metrics, type MetricsOptions } from './metrics/index.js';
export { DATABASE_FILE, type RunningServer, type StartServerOptions, startServer } from './server.js';
export { createLogger, type Logger } from './logging/index.js';
export {
  AuditLog,
  checkpointMessage,
  encodeEntry,
  exportAuditLog,
  leafHash,
  verifyConsistency,
  verifyInclusion,
  loadPublicKey,
  PUBLIC_KEY_FILE,
  type VerifyReport,
  verifyAuditLog,
  auditLogId,
  checkAgainstPublished,
  type PublishedCheckReport,
} from './audit/index.js';
export { readPublishedCheckpoints, type SharedStoreAddress } from './cluster/index.js';
export {
  AuditArchiver,
  makeS3Client,
  parseS3Url,
  type ArchiveReport,
  verifyAuditArchive,
} from './audit-archive/index.js';
export {
  AnomalyDetector,
  type AnomalyDetectorOptions,
  budgetExhaustion,
  DETECTOR_COMPONENTS,
  type DetectorComponent,
  type Exhaustion,
  type ExhaustionInput,
  fitHoltWinters,
  HoltWinters,
  levelExhaustion,
  parseTimestamp,
  SeriesCsvError,
  scoreSeriesCsv,
} from './anomaly/index.js';
export {
  type Authenticator,
  type AuthResult,
  authEnabled,
  demoIngestToken,
  generateKey,
  InsecureStartError,
  KEY_SCOPES,
  type KeyScope,
  keysFilePath,
  parseDuration,
  type Principal,
  readKeysFile,
  type StoredKey,
  updateKeysFile,
} from './auth/index.js';
export {
  detectPrescriptive,
  Governance,
  PolicyError,
  type PolicyMatch,
  PolicySet,
  type PolicySpec,
  PRESCRIPTIVE_ATTR,
  spanContext,
  spansFromSample,
  TraceTotalsCache,
} from './governance/index.js';
export { Redactor, redactorFromConfig } from './redact/index.js';
export {
  AlertEngine,
  alertmanagerPayload,
  type NotificationGroup,
  buildRequest,
  pagerDutyPayload,
  SIGNATURE_HEADER,
  sendNotification,
  signBody,
  slackPayload,
  stepAlert,
  webhookPayload,
} from './alerting/index.js';
export * as slo from './slo/index.js';
export { type BackupManifest, createBackup, type RestoreReport, restoreBackup } from './backup/index.js';
