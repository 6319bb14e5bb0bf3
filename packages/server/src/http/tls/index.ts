/** tls: HTTPS from PEM files, checked at start and swapped on reload (SIGHUP) without a restart. */
export {
  type CertificateInfo,
  certificateInfo,
  daysLeft,
  loadTlsMaterial,
  TlsConfigError,
  type TlsMaterial,
  type TlsPaths,
} from './tls-material.js';
export { TlsReloader, type TlsReloadResult } from './tls-reload.js';
export { registerTlsMetrics, type TlsMetrics } from './tls-metrics.js';
