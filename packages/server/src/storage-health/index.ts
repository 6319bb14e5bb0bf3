/**
 * storage-health: telling disk trouble (full, read-only, no permission, I/O errors) apart from other
 * failures, so ingest answers with the cause and a Retry-After, and an alert fires (docs/chaos.md).
 */
export {
  checkDataDirWritable,
  STORAGE_RETRY_AFTER_SECONDS,
  shortWriteError,
  type StorageErrno,
  storageErrnoOf,
  storageProblem,
} from './storage-errors.js';
export { StorageMetrics, type StorageWriter } from './storage-metrics.js';
