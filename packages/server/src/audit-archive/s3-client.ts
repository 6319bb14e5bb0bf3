/** The S3 client of the archive, and `s3://bucket/prefix` locations. Credentials come from files or the SDK's own chain, never from the config file. */
import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  region?: string | null;
  endpoint?: string | null;
  forcePathStyle?: boolean;
  accessKeyIdFile?: string | null;
  secretAccessKeyFile?: string | null;
  sessionTokenFile?: string | null;
}

export interface S3Location {
  bucket: string;
  /** Without leading or trailing '/'; '' is the bucket's root. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → {bucket, prefix}; anything else throws a message that says what is expected. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m?.[1]) throw new Error(`expected s3://bucket/prefix, got ${JSON.stringify(url)}`);
  return { bucket: m[1], prefix: normalisePrefix(m[2] ?? '') };
}

export function normalisePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** The object key of a file of the log's layout (`log.json`, `segments/…`, `checkpoints/…`). */
export function objectKey(prefix: string, rel: string): string {
  return prefix ? `${prefix}/${rel}` : rel;
}

function secretFile(path: string, what: string): string {
  const value = readFileSync(path, 'utf8').trim();
  if (!value) throw new Error(`${what} file ${path} is empty`);
  return value;
}

export function makeS3Client(settings: S3Settings): S3Client {
  // The project runs on Node 20, which this SDK major supports; its notice about later majors would
  // otherwise be printed by every `witness audit verify --from s3://…` (set the variable to see it).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { accessKeyIdFile, secretAccessKeyFile, sessionTokenFile } = settings;
  if (Boolean(accessKeyIdFile) !== Boolean(secretAccessKeyFile))
    throw new Error('audit.archive.s3: accessKeyIdFile and secretAccessKeyFile go together');
  const credentials =
    accessKeyIdFile && secretAccessKeyFile
      ? {
          accessKeyId: secretFile(accessKeyIdFile, 'access key id'),
          secretAccessKey: secretFile(secretAccessKeyFile, 'secret access key'),
          ...(sessionTokenFile ? { sessionToken: secretFile(sessionTokenFile, 'session token') } : {}),
        }
      : undefined; // the SDK's default chain
  return new S3Client({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle ?? false,
    ...(credentials ? { credentials } : {}),
  });
}
