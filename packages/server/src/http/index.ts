/** http: the Hono app, the error type every answer uses, OTLP routes, body limits, the static UI. */
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
export { encodeRpcStatus } from './rpc-status.js';
export { RESERVED_PREFIXES, registerStaticUi } from './static-ui.js';
export { DEFAULT_LINGER, type LingerOptions, lingerBeforeClose } from './lingering-close.js';
