/**
 * http: the Hono app, the error type every answer uses, OTLP routes, body limits, the static UI, and
 * what guards every answer: security headers and the Host check (TLS itself is in ./tls/).
 */
export { type AppOptions, createApp } from './app.js';
export {
  ERROR_STATUS,
  type ErrorCode,
  errorBody,
  httpStatusOf,
  toWitnessError,
  WitnessError,
  type WitnessErrorOptions,
} from './errors.js';
export {
  type DecodedExport,
  type OtlpFormat,
  type OtlpRouteDeps,
  type OtlpSignal,
  refuseOtlp,
  registerOtlpRoute,
} from './otlp-route.js';
export { type BodyLimits, declaredLength, decodeContentEncoding, readRawBody } from './read-body.js';
export { type JsonBodyOptions, readJsonBody } from './json-body.js';
export { encodeRpcStatus } from './rpc-status.js';
export { RESERVED_PREFIXES, registerStaticUi } from './static-ui.js';
export { DEFAULT_LINGER, type LingerOptions, lingerBeforeClose } from './lingering-close.js';
export { HEALTH_PATHS, hostAllowed, hostCheck, type HostCheckOptions, hostName } from './host-check.js';
export { CONTENT_SECURITY_POLICY, type SecurityHeadersOptions, securityHeaders } from './security-headers.js';
export {
  type CertificateInfo,
  certificateInfo,
  daysLeft,
  loadTlsMaterial,
  TlsConfigError,
  type TlsMaterial,
  type TlsPaths,
  type TlsMetrics,
  TlsReloader,
  type TlsReloadResult,
  registerTlsMetrics,
} from './tls/index.js';
