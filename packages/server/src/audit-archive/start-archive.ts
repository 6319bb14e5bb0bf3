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
  if (!s3) return null;
  const archiver = new AuditArchiver({
    auditDir,
    client: makeS3Client(s3),
    bucket: s3.bucket,
    prefix: s3.prefix,
    objectLock: audit.archive.objectLock,
    compress: audit.compress,
    intervalMs: audit.archive.intervalMs,
    onError: (err) =>
      logger.error(
        { err, bucket: s3.bucket, prefix: s3.prefix },
        'audit archive upload failed; retried at the next pass',
      ),
  });
  archiver.start();
  logger.info(
    { bucket: s3.bucket, prefix: s3.prefix, objectLock: audit.archive.objectLock },
    'archiving the audit log to S3',
  );
  return archiver;
}
