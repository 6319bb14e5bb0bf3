/**
 * The audit archive against a local S3-compatible server (s3rver behind a proxy that checks SigV4
 * signatures and checksums, test/helpers/s3-server.ts), through the official AWS SDK v3 S3 client:
 * sealed segments, leaf hashes and checkpoints uploaded with checksums and Object Lock headers;
 * `witness audit verify --from s3://…` passing on the archive and failing, with a clear message, on a
 * tampered object or a missing checkpoint chunk; an interrupted upload resumed after a restart without
 * re-sending what was already there; a lost state file rebuilt from the bucket.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AuditArchiver,
  AuditLog,
  createLogger,
  loadConfig,
  loadPublicKey,
  makeS3Client,
  startServer,
  verifyAuditArchive,
} from '@witness/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from './helpers/witness-process.js';
import { startTestS3, TEST_CREDENTIALS, TEST_REGION, type TestS3 } from './helpers/s3-server.js';

const dirs: string[] = [];
let s3: TestS3;
let credDir: string;
beforeAll(async () => {
  s3 = await startTestS3();
  credDir = mkdtempSync(join(tmpdir(), 'witness-s3-creds-'));
  dirs.push(credDir);
  writeFileSync(join(credDir, 'id'), `${TEST_CREDENTIALS.accessKeyId}\n`);
  writeFileSync(join(credDir, 'secret'), `${TEST_CREDENTIALS.secretAccessKey}\n`);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A log of `n` entries in ~4 KiB segments (so several are sealed), a checkpoint every 10 entries. */
async function buildLog(n: number, dir = mkdtempSync(join(tmpdir(), 'witness-archive-'))): Promise<string> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const log = await AuditLog.open({
    dir: join(dir, 'audit'),
    keysDir: join(dir, 'keys'),
    checkpointIntervalMs: 0,
    segmentMaxBytes: 4096,
  });
  for (let i = log.size; i < n; i++) {
    await log.append({
      type: 'tool.call',
      actor: 'agent:a',
      subject: `call-${i}`,
      details: { pad: 'x'.repeat(150) },
    });
    if (i % 10 === 9) await log.checkpoint();
  }
  await log.close();
  return dir;
}

function client(): S3Client {
  return makeS3Client({
    endpoint: s3.endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    accessKeyIdFile: join(credDir, 'id'),
    secretAccessKeyFile: join(credDir, 'secret'),
  });
}

function archiver(
  dataDir: string,
  prefix: string,
  extra: Partial<ConstructorParameters<typeof AuditArchiver>[0]> = {},
) {
  return new AuditArchiver({
    auditDir: join(dataDir, 'audit'),
    client: client(),
    bucket: s3.bucket,
    prefix,
    intervalMs: 0,
    ...extra,
  });
}

/** Async: the S3 proxy runs in this process, so a spawnSync would leave the CLI's requests unanswered. */
const cliVerify = (dataDir: string, from: string) =>
  run(
    process.execPath,
    [
      CLI_MAIN,
      'audit',
      'verify',
      '--from',
      from,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-force-path-style',
      '--public-key',
      join(dataDir, 'keys', 'audit-ed25519.pub'),
    ],
    {
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: TEST_REGION,
      },
    },
  );

function run(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** The bucket as an attacker with write access sees it: s3rver directly, any credentials. */
const direct = () =>
  new S3Client({
    endpoint: s3.directEndpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

const keysUnder = async (prefix: string) =>
  (
    (await direct().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }))).Contents ??
    []
  )
    .map((o) => o.Key as string)
    .sort();

const putsOf = (prefix: string) =>
  s3.requests.filter((r) => r.method === 'PUT' && r.path.includes(`/${prefix}/`) && r.status === 200);

describe('audit archive to S3', () => {
  it('uploads sealed segments, leaf hashes and checkpoints with checksums and Object Lock; verify --from passes', async () => {
    const dataDir = await buildLog(120);
    const before = Date.now();
    const a = archiver(dataDir, 'prod/audit', { objectLock: { mode: 'COMPLIANCE', retainDays: 400 } });
    const pass = await a.sync();
    expect(pass.archivedEntries).toBeGreaterThan(60);
    expect(pass.archivedEntries).toBeLessThan(120); // the active segment stays local
    expect(pass.checkpointLines).toBeGreaterThan(3);
    const keys = await keysUnder('prod/audit');
    expect(keys).toContain('prod/audit/log.json');
    expect(keys.filter((k) => k.endsWith('.jsonl.gz')).length).toBeGreaterThan(3);
    expect(keys.filter((k) => k.endsWith('.hashes')).length).toBe(
      keys.filter((k) => k.endsWith('.jsonl.gz')).length,
    );
    expect(keys).toContain('prod/audit/checkpoints/000000000000.jsonl');

    const puts = putsOf('prod/audit');
    expect(puts.length).toBe(pass.uploaded);
    for (const p of puts) {
      expect(p.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(p.headers['x-amz-checksum-sha256']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(p.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
      const until = Date.parse(String(p.headers['x-amz-object-lock-retain-until-date']));
      expect(Math.abs(until - (before + 400 * 86_400_000))).toBeLessThan(60_000);
      expect(p.headers['if-none-match']).toBe('*');
    }
    // A second pass has nothing to do.
    expect((await a.sync()).uploaded).toBe(0);
    expect(putsOf('prod/audit').length).toBe(pass.uploaded);

    const r = await cliVerify(dataDir, `s3://${s3.bucket}/prod/audit`);
    expect(r.stderr).not.toContain('FAILED');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^OK: ${pass.archivedEntries} entries, ${pass.checkpointLines} checkpoints`),
    );
    // A checkpoint is signed at every segment boundary: the archive has no unsigned tail.
    expect(r.stdout).toContain('; 0 entries after the last checkpoint');
    // It ran against the proxy, so every request it made was signed right.
    expect(s3.requests.filter((q) => q.status === 403)).toEqual([]);
  });

  it('a tampered segment object makes verify --from fail, naming the entry and the object', async () => {
    const dataDir = await buildLog(80);
    const prefix = 'tamper';
    await archiver(dataDir, prefix).sync();
    expect((await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`)).status).toBe(0);
    // An attacker with write access rewrites segment 0: one subject changed, re-gzipped.
    const key = `${prefix}/segments/000000000000.jsonl.gz`;
    const got = await direct().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const text = gunzipSync(
      Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    ).toString();
    expect(text).toContain('"call-3"');
    await direct().send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: gzipSync(text.replace('"call-3"', '"call-X"')),
      }),
    );
    const r = await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'FAILED: entry 3: its bytes do not hash to the leaf hash recorded for index 3',
    );
    expect(r.stderr).toContain(`archive object ${key} does not match the SHA-256 recorded when archived`);

    // Forging the recorded checksum too does not help: the Merkle check still names the entry.
    const forged = gzipSync(text.replace('"call-3"', '"call-Y"'));
    const { createHash } = await import('node:crypto');
    await direct().send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: forged,
        Metadata: { sha256: createHash('sha256').update(forged).digest('base64') },
      }),
    );
    const r2 = await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('FAILED: entry 3:');
    expect(r2.stderr).not.toContain('archive object');
  });

  it('a checkpoint chunk deleted from the middle, or a deleted segment, fails verify --from', async () => {
    const dataDir = await buildLog(70);
    const prefix = 'gaps';
    const a = archiver(dataDir, prefix);
    await a.sync();
    // More entries and another pass: a second checkpoint chunk.
    await buildLog(140, dataDir);
    const second = await a.sync();
    const chunks = (await keysUnder(prefix)).filter((k) => k.includes('/checkpoints/'));
    expect(chunks.length).toBe(2);
    expect(second.uploaded).toBeGreaterThan(2);
    expect((await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`)).status).toBe(0);

    // Copy the chunks elsewhere, then delete the first: the second no longer follows on.
    await direct().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: chunks[0] }));
    const r = await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /FAILED: checkpoint chunk gaps\/checkpoints\/\d{12}\.jsonl starts at checkpoint \d+ but the chunks before it hold 0/,
    );

    // A whole segment (payload and hashes) gone from the middle: named by its range.
    const segs = (await keysUnder(prefix)).filter((k) => k.endsWith('.hashes'));
    const victim = segs[2] as string;
    await direct().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: victim }));
    await direct().send(
      new DeleteObjectCommand({ Bucket: s3.bucket, Key: victim.replace('.hashes', '.jsonl.gz') }),
    );
    const prefix2 = `${prefix}-2`;
    // (the chunk check comes first, so check the segment gap on a copy with its chunks intact)
    await archiver(dataDir, prefix2).sync();
    const segs2 = (await keysUnder(prefix2)).filter((k) => k.endsWith('.hashes'));
    const v2 = segs2[2] as string;
    await direct().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: v2 }));
    await direct().send(
      new DeleteObjectCommand({ Bucket: s3.bucket, Key: v2.replace('.hashes', '.jsonl.gz') }),
    );
    const r2 = await cliVerify(dataDir, `s3://${s3.bucket}/${prefix2}`);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(
      /FAILED: segment \d+ should start at entry \d+: entries \d+\.\.\d+ are missing or duplicated/,
    );
  });

  it('resumes an interrupted upload after a restart, re-sending nothing that was already there', async () => {
    const dataDir = await buildLog(150);
    const prefix = 'resume';
    // The bucket goes away after the 5th object: every later request gets 503 (the SDK retries, then gives up).
    let okPuts = 0;
    s3.fault = ({ method, path }) => {
      if (!path.includes(`/${prefix}/`)) return null;
      if (method === 'PUT' && okPuts < 5) {
        okPuts++;
        return null;
      }
      return method === 'PUT' ? 503 : null;
    };
    const first = archiver(dataDir, prefix);
    await expect(first.sync()).rejects.toThrow();
    expect(first.lastError).not.toBeNull();
    await first.close();
    s3.fault = null;
    const state = JSON.parse(readFileSync(join(dataDir, 'audit', 'archive-s3.json'), 'utf8')) as {
      uploaded: Record<string, string>;
    };
    expect(Object.keys(state.uploaded).length).toBe(5);
    expect(s3.requests.some((q) => q.path.includes(`/${prefix}/`) && q.status === 503)).toBe(true);

    // "Restart": a new archiver on the same data dir.
    const second = archiver(dataDir, prefix);
    const pass = await second.sync();
    expect(pass.adopted).toBe(0);
    const puts = putsOf(prefix);
    const perKey = new Map<string, number>();
    for (const p of puts) perKey.set(p.path, (perKey.get(p.path) ?? 0) + 1);
    expect([...perKey.values()].every((n) => n === 1)).toBe(true); // each object sent once
    expect(puts.length).toBe(5 + pass.uploaded);
    expect((await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`)).status).toBe(0);

    // The state file lost: everything is found in the bucket by checksum, nothing is sent again;
    // the next segments and checkpoint chunk follow on.
    unlinkSync(join(dataDir, 'audit', 'archive-s3.json'));
    const third = archiver(dataDir, prefix);
    const again = await third.sync();
    expect(again.uploaded).toBe(0);
    expect(again.adopted).toBeGreaterThan(5);
    expect(again.checkpointLines).toBe(pass.checkpointLines);
    await buildLog(220, dataDir);
    const more = await third.sync();
    expect(more.uploaded).toBeGreaterThan(2);
    expect(more.archivedEntries).toBeGreaterThan(pass.archivedEntries);
    expect(existsSync(join(dataDir, 'audit', 'archive-s3.json'))).toBe(true);
    const ok = await cliVerify(dataDir, `s3://${s3.bucket}/${prefix}`);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`OK: ${more.archivedEntries} entries`);
  });

  it('never overwrites an object with other bytes under its key (another log under the same prefix)', async () => {
    const one = await buildLog(40);
    const other = await buildLog(40);
    await archiver(one, 'shared').sync();
    await expect(archiver(other, 'shared').sync()).rejects.toThrow(
      /archive object shared\/log\.json already exists with other bytes than the local file: refusing to overwrite it/,
    );
  });

  it('verify from an empty prefix says there is no archive; a bad URL is refused', async () => {
    const dataDir = await buildLog(5);
    const report = await verifyAuditArchive({
      client: client(),
      bucket: s3.bucket,
      prefix: 'nothing-here',
      publicKey: loadPublicKey(join(dataDir, 'keys', 'audit-ed25519.pub')),
    });
    expect(report.ok).toBe(false);
    expect(report.problem?.message).toBe(`no audit archive at s3://${s3.bucket}/nothing-here (no log.json)`);
    const r = await cliVerify(dataDir, 'https://example/x');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('expected s3://bucket/prefix');
  });

  it('requests with wrong credentials are refused by the checking proxy (the signature check is real)', async () => {
    const bad = new S3Client({
      endpoint: s3.endpoint,
      region: TEST_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    await expect(bad.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).rejects.toThrow();
    expect(s3.requests.at(-1)?.status).toBe(403);
  });

  it('a server configured with audit.archive uploads sealed segments by itself (config file + env)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-archive-server-'));
    dirs.push(dataDir);
    const yaml = join(dataDir, 'witness.yaml');
    writeFileSync(
      yaml,
      [
        'audit:',
        '  segmentMaxBytes: 4096',
        '  archive:',
        '    intervalMs: 1000',
        '    s3:',
        `      endpoint: ${s3.endpoint}`,
        `      region: ${TEST_REGION}`,
        '      forcePathStyle: true',
        '      prefix: from-server',
        `      accessKeyIdFile: ${join(credDir, 'id')}`,
        `      secretAccessKeyFile: ${join(credDir, 'secret')}`,
        '    objectLock:',
        '      mode: GOVERNANCE',
        '      retainDays: 30',
        '',
      ].join('\n'),
    );
    const config = loadConfig({
      file: yaml,
      env: { WITNESS_AUDIT_ARCHIVE_S3_BUCKET: s3.bucket },
      flags: { dataDir, server: { host: '127.0.0.1', port: 0 } },
    });
    const server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
    try {
      for (let i = 0; i < 60; i++) {
        const res = await fetch(`${server.url}/api/audit/actions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'config.change',
            actor: 'ops@example.com',
            subject: `setting-${i}`,
            details: { pad: 'y'.repeat(120) },
          }),
        });
        expect(res.status).toBeLessThan(300);
      }
      const deadline = Date.now() + 30_000;
      let keys: string[] = [];
      while (Date.now() < deadline) {
        keys = await keysUnder('from-server');
        if (
          keys.filter((k) => k.endsWith('.jsonl.gz')).length >= 3 &&
          keys.some((k) => k.includes('/checkpoints/'))
        )
          break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(keys.filter((k) => k.endsWith('.jsonl.gz')).length).toBeGreaterThanOrEqual(3);
      expect(putsOf('from-server').every((p) => p.headers['x-amz-object-lock-mode'] === 'GOVERNANCE')).toBe(
        true,
      );
    } finally {
      await server.close();
    }
    const report = await verifyAuditArchive({
      client: client(),
      bucket: s3.bucket,
      prefix: 'from-server',
      publicKey: loadPublicKey(join(dataDir, 'keys', 'audit-ed25519.pub')),
    });
    expect(report.problem).toBeNull();
    expect(report.entries).toBeGreaterThan(20);
    expect(report.checkpoints).toBeGreaterThan(0);
    expect(report.unsignedTail).toBe(0);
  });
});
