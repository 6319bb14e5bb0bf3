/**
 * redact: PII and secret redaction, the pipeline stage between normalize and every place data is kept
 * (store, audit log, metrics, exporters). See docs/governance.md for the detectors and their figures.
 */
export { type CustomDetectorSpec, UnsafePatternError } from './custom-detector.js';
export { BUILTIN_DETECTORS, type BuiltinDetectorName, builtinDetector, type Detector } from './detectors.js';
export { type RedactionConfig, redactorFromConfig } from './from-config.js';
export { HASH_KEY_FILE, loadOrCreateHashKey } from './hash-key.js';
export { luhnValid } from './luhn.js';
export {
  type AttributeRule,
  IDENTITY_KEYS,
  type RedactAction,
  Redactor,
  type RedactorOptions,
} from './redactor.js';
