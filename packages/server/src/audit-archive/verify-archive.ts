/**
 * `witness audit verify --from s3://bucket/prefix`: the archive is read into a private temporary
 * directory in the audit directory's layout (archive-layout.ts) and checked by the very verifier that
 * checks a data dir (verify-log.ts), with every segment taken as sealed. Two checks are the archive's
 * own: each object's bytes against the SHA-256 recorded when it was uploaded, and the checkpoint chunks
 * being contiguous (a chunk deleted from the middle would otherwise just mean fewer checkpoints).
 * The directory is removed afterwards, whatever the outcome.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CHECKPOINTS_FILE, LOG_META_FILE, SEGMENTS_DIR } from '../audit/segment-files.js';
import { type VerifyProblem, type VerifyReport, verifyAuditLog } from '../audit/verify-log.js';
import { CHECKPOINT_CHUNKS, chunkFirstLine, SHA256_META } from './archive-layout.js';
import { normalisePrefix, objectKey } from './s3-client.js';

export interface VerifyArchiveOptions {
  client: S3Client;
  bucket: string;
  prefix?: string;
  publicKey: KeyObject;
  onProgress?: (done: number, total: number) => void;
  /** Where the temporary copy goes. @default os.tmpdir() */
  tmpDir?: string;
}

export interface ArchiveReport extends VerifyReport {
  /** Objects read from the bucket. */
  objects: number;
  bytes: number;
}

/** Downloads at once, at most: bounds memory (a segment object is up to the segment size). */
const PARALLEL_GETS = 4;

export async function verifyAuditArchive(options: VerifyArchiveOptions): Promise<ArchiveReport> {
  const { client, bucket, publicKey } = options;
  const prefix = normalisePrefix(options.prefix ?? '');
  const where = `s3://${bucket}/${prefix}`;
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'witness-archive-'));
  try {
    const keys = await listKeys(client, bucket, prefix ? `${prefix}/` : '');
    const rel = (key: string) => (prefix ? key.slice(prefix.length + 1) : key);
    const wanted = keys.filter((k) => {
      const r = rel(k);
      return (
        r === LOG_META_FILE ||
        /^segments\/\d{12}\.(hashes|jsonl|jsonl\.gz)$/.test(r) ||
        (r.startsWith(`${CHECKPOINT_CHUNKS}/`) &&
          chunkFirstLine(r.slice(CHECKPOINT_CHUNKS.length + 1)) !== null)
      );
    });
    if (!wanted.some((k) => rel(k) === LOG_META_FILE))
      return failed(
        { kind: 'log', index: null, message: `no audit archive at ${where} (no ${LOG_META_FILE})` },
        0,
        0,
      );

    mkdirSync(join(dir, SEGMENTS_DIR));
    const chunks: { first: number; bytes: Buffer }[] = [];
    const altered: string[] = [];
    let bytes = 0;
    for (let i = 0; i < wanted.length; i += PARALLEL_GETS) {
      await Promise.all(
        wanted.slice(i, i + PARALLEL_GETS).map(async (key) => {
          const { body, recorded } = await getObject(client, bucket, key);
          bytes += body.length;
          if (recorded !== createHash('sha256').update(body).digest('base64')) altered.push(key);
          const r = rel(key);
          if (r.startsWith(`${CHECKPOINT_CHUNKS}/`))
            chunks.push({
              first: chunkFirstLine(r.slice(CHECKPOINT_CHUNKS.length + 1)) as number,
              bytes: body,
            });
          else writeFileSync(join(dir, r), body, { mode: 0o600 });
        }),
      );
    }
    chunks.sort((a, b) => a.first - b.first);
    let lines = 0;
    for (const c of chunks) {
      if (c.first !== lines)
        return failed(
          {
            kind: 'checkpoint',
            index: lines,
            message: `checkpoint chunk ${objectKey(prefix, `${CHECKPOINT_CHUNKS}/${String(c.first).padStart(12, '0')}.jsonl`)} starts at checkpoint ${c.first} but the chunks before it hold ${lines}: checkpoints ${Math.min(lines, c.first)}..${Math.max(lines, c.first) - 1} are missing or duplicated in the archive`,
          },
          wanted.length,
          bytes,
        );
      lines += c.bytes.toString('utf8').split('\n').length - 1;
    }
    writeFileSync(join(dir, CHECKPOINTS_FILE), Buffer.concat(chunks.map((c) => c.bytes)), { mode: 0o600 });

    const report = await verifyAuditLog({
      auditDir: dir,
      publicKey,
      sealedOnly: true,
      onProgress: options.onProgress,
    });
    const out: ArchiveReport = { ...report, objects: wanted.length, bytes };
    // The Merkle check names the entry; the object that was changed is said beside it.
    const note = altered.length
      ? `archive object${altered.length > 1 ? 's' : ''} ${altered.sort().join(', ')} ${altered.length > 1 ? 'do' : 'does'} not match the SHA-256 recorded when archived (altered in the bucket)`
      : null;
    if (!report.ok && report.problem && note)
      out.problem = { ...report.problem, message: `${report.problem.message}; ${note}` };
    else if (report.ok && note) {
      out.ok = false;
      out.problem = { kind: 'segment', index: null, message: note };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function failed(problem: VerifyProblem, objects: number, bytes: number): ArchiveReport {
  return {
    ok: false,
    logId: null,
    entries: 0,
    checkpoints: 0,
    unsignedTail: 0,
    rootHash: '',
    problem,
    objects,
    bytes,
  };
}

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function getObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: Buffer; recorded: string | undefined }> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const body = Buffer.from((await r.Body?.transformToByteArray()) ?? new Uint8Array());
  return { body, recorded: r.Metadata?.[SHA256_META] ?? r.ChecksumSHA256 };
}
