/** audit-archive: the audit log copied to S3-compatible object storage, and verified from there. */
export {
  ARCHIVE_STATE_FILE,
  type ArchivePass,
  ArchiveConflictError,
  AuditArchiver,
  type AuditArchiverOptions,
  type ObjectLockSettings,
} from './audit-archiver.js';
export { startAuditArchive } from './start-archive.js';
export { makeS3Client, parseS3Url, type S3Location, type S3Settings } from './s3-client.js';
export { type ArchiveReport, type VerifyArchiveOptions, verifyAuditArchive } from './verify-archive.js';
