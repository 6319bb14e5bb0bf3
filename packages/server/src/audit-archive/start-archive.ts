/** The server's side: an archiver from `audit.archive` when an S3 destination is configured. */
import type { Logger } from '../logging/index.js';
import type { WitnessConfig } from '../config/index.js';
import { AuditArchiver } from './audit-archiver.js';
import { makeS3Client } from './s3-client.js';

export function startAuditArchive(
  audit: WitnessConfig['audit'],
  auditDir: string,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
): AuditArchiver | null {
  const s3 = audit.archive.s3;
  const bucket = s3.bucket;
  if (!bucket) return null;
  const lock = audit.archive.objectLock;
  const objectLock = lock.mode ? { mode: lock.mode, retainDays: lock.retainDays } : null;
  const archiver = new AuditArchiver({
    auditDir,
    client: makeS3Client(s3),
    bucket,
    prefix: s3.prefix,
    objectLock,
    compress: audit.compress,
    intervalMs: audit.archive.intervalMs,
    onError: (err) =>
      logger.error(
        { err, bucket: s3.bucket, prefix: s3.prefix },
        'audit archive upload failed; retried at the next pass',
      ),
  });
  archiver.start();
  logger.info({ bucket: s3.bucket, prefix: s3.prefix, objectLock }, 'archiving the audit log to S3');
  return archiver;
}
