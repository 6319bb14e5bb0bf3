/**
 * Uploads the audit log to S3-compatible object storage: every sealed segment (payload and leaf hashes),
 * the log id, and the checkpoints that the archived entries can verify against (archive-layout.ts).
 *
 * - Resumable: what was uploaded is remembered in <audit>/archive-s3.json (written durably after each
 *   object), so a restart goes on where it stopped. Without that file (lost, or a new destination) every
 *   object is first looked up: one already there with the same SHA-256 counts as uploaded, so
 *   re-uploading is idempotent; one with other bytes is never overwritten — the pass stops, naming it.
 * - In log order: segment N+1 goes only after segment N, and checkpoints only up to the entries
 *   archived, so what the archive holds always verifies on its own (its tail may be unsigned until the
 *   next pass brings a later checkpoint).
 * - Checksums: Content-MD5 and x-amz-checksum-sha256 on every PUT (the server refuses a body that does
 *   not match; S3 Object Lock requires one of them), and the SHA-256 as user metadata for the reader.
 * - Never in the append path: passes run on a timer and a failed pass is retried at the next.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { writeDurably } from '../audit/durable-files.js';
import { HASH_SIZE } from '../audit/merkle-tree.js';
import {
  LOG_META_FILE,
  listSegments,
  readCheckpointLines,
  SEGMENTS_DIR,
  type SegmentInfo,
} from '../audit/segment-files.js';
import { CHECKPOINT_CHUNKS, checkpointChunkName, chunkFirstLine, SHA256_META } from './archive-layout.js';
import { normalisePrefix, objectKey } from './s3-client.js';

export const ARCHIVE_STATE_FILE = 'archive-s3.json';

export interface ObjectLockSettings {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  retainDays: number;
}

export interface AuditArchiverOptions {
  /** <data-dir>/audit */
  auditDir: string;
  client: S3Client;
  bucket: string;
  prefix?: string;
  objectLock?: ObjectLockSettings | null;
  /** Whether sealed segments are gzipped (audit.compress): a plain sealed segment is then not yet sealed. @default true */
  compress?: boolean;
  /** Between passes; 0 = no timer (call `sync()`). @default 60 s */
  intervalMs?: number;
  onError?: (err: unknown) => void;
  onUploaded?: (key: string, bytes: number) => void;
  now?: () => number;
}

interface ArchiveState {
  bucket: string;
  prefix: string;
  /** Relative name → SHA-256 (base64) of what was uploaded. */
  uploaded: Record<string, string>;
  /** Lines of checkpoints.jsonl already archived. */
  checkpointLines: number;
}

export interface ArchivePass {
  /** Objects uploaded by this pass. */
  uploaded: number;
  /** Objects found already in the bucket with the same bytes (state lost or a crash before it was saved). */
  adopted: number;
  /** Entries the archive holds, contiguous from 0. */
  archivedEntries: number;
  /** Checkpoint lines the archive holds. */
  checkpointLines: number;
}

/** An object in the bucket with other bytes than ours under the same key: never overwritten. */
export class ArchiveConflictError extends Error {
  constructor(key: string) {
    super(
      `archive object ${key} already exists with other bytes than the local file: refusing to overwrite it (is another log archived under this prefix?)`,
    );
    this.name = 'ArchiveConflictError';
  }
}

export class AuditArchiver {
  private readonly prefix: string;
  private readonly statePath: string;
  private state: ArchiveState;
  /** No state file for this destination: the checkpoint chunks already in the bucket are counted first. */
  private fresh: boolean;
  private running: Promise<ArchivePass> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The last pass's error, or null when it succeeded. */
  lastError: unknown = null;

  constructor(private readonly options: AuditArchiverOptions) {
    this.prefix = normalisePrefix(options.prefix ?? '');
    this.statePath = join(options.auditDir, ARCHIVE_STATE_FILE);
    this.state = this.loadState();
    this.fresh = Object.keys(this.state.uploaded).length === 0;
  }

  /** A first pass now, then one every intervalMs. */
  start(): void {
    const tick = () => {
      this.sync().catch(() => {}); // reported through onError in sync()
    };
    tick();
    const every = this.options.intervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(tick, every);
      this.timer.unref();
    }
  }

  /** One pass (joins the running one). Rejects with the first failure; what was uploaded before it stays uploaded. */
  sync(): Promise<ArchivePass> {
    this.running ??= this.pass()
      .then(
        (r) => {
          this.lastError = null;
          return r;
        },
        (err: unknown) => {
          this.lastError = err;
          this.options.onError?.(err);
          throw err;
        },
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  private loadState(): ArchiveState {
    const fresh: ArchiveState = {
      bucket: this.options.bucket,
      prefix: this.prefix,
      uploaded: {},
      checkpointLines: 0,
    };
    if (!existsSync(this.statePath)) return fresh;
    try {
      const s = JSON.parse(readFileSync(this.statePath, 'utf8')) as ArchiveState;
      // Another destination starts from nothing (its objects are looked up, so nothing is re-sent needlessly).
      return s.bucket === fresh.bucket && s.prefix === fresh.prefix ? s : fresh;
    } catch {
      return fresh;
    }
  }

  private saveState(): void {
    writeDurably(this.statePath, Buffer.from(`${JSON.stringify(this.state)}\n`));
  }

  private async pass(): Promise<ArchivePass> {
    const { auditDir } = this.options;
    const result: ArchivePass = { uploaded: 0, adopted: 0, archivedEntries: 0, checkpointLines: 0 };
    const meta = join(auditDir, LOG_META_FILE);
    if (!existsSync(meta)) return result;
    await this.put(LOG_META_FILE, readFileSync(meta), result);

    // The checkpoints are read first: a segment goes up only once a checkpoint signs past its end. The
    // log signs at every segment boundary just after it rotates, so a pass that lists a freshly sealed
    // segment before that checkpoint is written waits for the next pass instead of leaving the archive
    // with an unsigned tail until then.
    const lines = readCheckpointLines(auditDir);
    const signedUpTo = lines.reduce((max, l) => Math.max(max, checkpointSize(l)), 0);
    // Every segment but the last (the active one) is sealed; it is ready once its payload is final.
    const segments = listSegments(join(auditDir, SEGMENTS_DIR));
    let archived = 0;
    for (const seg of segments.slice(0, -1)) {
      if (this.closed) break;
      if (seg.first !== archived) break; // a gap locally: the verifier will say so; upload nothing past it
      const payload = this.sealedPayload(seg);
      if (payload === 'not-yet') break;
      const hashes = readFileSync(seg.hashesPath);
      if (seg.first + Math.floor(hashes.length / HASH_SIZE) > signedUpTo) break;
      // Hashes first: a payload without its hashes is unverifiable, hashes without payload read as removed.
      await this.put(
        `${SEGMENTS_DIR}/${seg.hashesPath.slice(seg.hashesPath.lastIndexOf('/') + 1)}`,
        hashes,
        result,
      );
      if (payload) await this.put(`${SEGMENTS_DIR}/${payload.name}`, readFileSync(payload.path), result);
      archived += Math.floor(hashes.length / HASH_SIZE);
    }
    result.archivedEntries = archived;

    // The checkpoints the archived entries can be checked against, as one new chunk.
    if (this.fresh) {
      await this.adoptCheckpointChunks(lines);
      this.fresh = false;
    }
    let upTo = this.state.checkpointLines;
    while (upTo < lines.length && checkpointSize(lines[upTo] as string) <= archived) upTo++;
    // Also when closing: segments this pass uploaded need their checkpoints beside them, or the archive
    // ends in an unsigned tail until the next start (one PUT; a close during a pass waits for it).
    if (upTo > this.state.checkpointLines) {
      const from = this.state.checkpointLines;
      const chunk = Buffer.from(
        lines
          .slice(from, upTo)
          .map((l) => `${l}\n`)
          .join(''),
      );
      await this.put(checkpointChunkName(from), chunk, result);
      this.state.checkpointLines = upTo;
      this.saveState();
    }
    result.checkpointLines = this.state.checkpointLines;
    return result;
  }

  /**
   * Without a state file, the checkpoint chunks already in the bucket (from a run whose state was lost)
   * are adopted when each one holds exactly the local lines it names; new chunks then follow them.
   */
  private async adoptCheckpointChunks(lines: string[]): Promise<void> {
    const { client, bucket } = this.options;
    const chunks: { first: number; key: string; sha?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: objectKey(this.prefix, `${CHECKPOINT_CHUNKS}/`),
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        const first = o.Key ? chunkFirstLine(o.Key.slice(o.Key.lastIndexOf('/') + 1)) : null;
        if (first !== null && o.Key) chunks.push({ first, key: o.Key });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    chunks.sort((a, b) => a.first - b.first);
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as (typeof chunks)[number];
      const end = i + 1 < chunks.length ? (chunks[i + 1] as (typeof chunks)[number]).first : null;
      const there = await head(client, bucket, c.key);
      const theirs = there?.ChecksumSHA256 ?? there?.Metadata?.[SHA256_META];
      // The chunk's length is where the next begins; the last one's is found by trying each length.
      const candidates = end === null ? range(c.first + 1, lines.length) : [end];
      const match = candidates.find((to) => sha256Of(lines.slice(c.first, to)) === theirs);
      if (c.first !== at || match === undefined) throw new ArchiveConflictError(c.key);
      this.state.uploaded[checkpointChunkName(c.first)] = theirs as string;
      at = match;
    }
    this.state.checkpointLines = at;
    this.saveState();
  }

  /** The payload file of a sealed segment, null when retention removed it, 'not-yet' while it is being compressed. */
  private sealedPayload(seg: SegmentInfo): { path: string; name: string } | null | 'not-yet' {
    const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    if (existsSync(seg.gzPath)) return { path: seg.gzPath, name: name(seg.gzPath) };
    if (existsSync(seg.plainPath))
      return (this.options.compress ?? true) ? 'not-yet' : { path: seg.plainPath, name: name(seg.plainPath) };
    return null;
  }

  /** Uploads one object unless it is known to be there; looks it up first when the state does not know it. */
  private async put(rel: string, body: Buffer, result: ArchivePass): Promise<void> {
    const sha256 = createHash('sha256').update(body).digest('base64');
    const known = this.state.uploaded[rel];
    if (known === sha256) return;
    const key = objectKey(this.prefix, rel);
    const { client, bucket } = this.options;
    if (known === undefined) {
      const there = await head(client, bucket, key);
      if (there) {
        const theirs = there.ChecksumSHA256 ?? there.Metadata?.[SHA256_META];
        if (theirs !== sha256) throw new ArchiveConflictError(key);
        this.remember(rel, sha256);
        result.adopted++;
        return;
      }
    } else {
      // Uploaded before with other bytes: a sealed segment rewritten by a GDPR erasure. The archive
      // keeps what was sealed (docs/audit.md); it is not overwritten.
      return;
    }
    const lock = this.options.objectLock;
    const now = this.options.now?.() ?? Date.now();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: rel.endsWith('.gz')
          ? 'application/gzip'
          : rel.endsWith('.hashes')
            ? 'application/octet-stream'
            : 'application/json',
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ChecksumSHA256: sha256,
        Metadata: { [SHA256_META]: sha256 },
        // An object already there is never replaced (S3 answers 412; the state is then rebuilt by lookup).
        IfNoneMatch: '*',
        ...(lock
          ? {
              ObjectLockMode: lock.mode,
              ObjectLockRetainUntilDate: new Date(now + lock.retainDays * 86_400_000),
            }
          : {}),
      }),
    );
    this.remember(rel, sha256);
    result.uploaded++;
    this.options.onUploaded?.(key, body.length);
  }

  private remember(rel: string, sha256: string): void {
    this.state.uploaded[rel] = sha256;
    this.saveState();
  }
}

async function head(client: S3Client, bucket: string, key: string): Promise<HeadObjectCommandOutput | null> {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (err as Error).name === 'NotFound') return null;
    throw err;
  }
}

function sha256Of(lines: string[]): string {
  return createHash('sha256')
    .update(lines.map((l) => `${l}\n`).join(''))
    .digest('base64');
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function checkpointSize(line: string): number {
  try {
    return (JSON.parse(line) as { size: number }).size;
  } catch {
    return Number.POSITIVE_INFINITY; // a bad line stops the chunk; the verifier names it locally
  }
}
