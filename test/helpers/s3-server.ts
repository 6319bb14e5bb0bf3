/**
 * A local S3-compatible server for tests: s3rver (an npm package, pure JavaScript) behind a checking
 * proxy. s3rver stores and serves objects but checks neither signatures nor checksums, and knows
 * nothing of Object Lock, so the proxy does what S3 would: it verifies every request's AWS SigV4
 * signature with the SDK's own signer (@smithy/signature-v4) and the test credentials, checks the
 * payload hash it signed, Content-MD5 and x-amz-checksum-sha256 against the body (400 BadDigest like
 * S3), honours If-None-Match: * (412), and records each request so a test can look at the Object Lock
 * headers. `fault` lets a test answer a request itself (a 503, a dropped connection) instead.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
// s3rver knows one key pair (S3RVER/S3RVER) and only looks the key id up for SigV4: add the test's.
import AWSAccount from 's3rver/lib/models/account.js';

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDWITNESSTEST',
  secretAccessKey: 'witness-test-secret-key',
};
export const TEST_REGION = 'us-east-1';

export interface S3Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  status: number;
}

export interface TestS3 {
  endpoint: string;
  bucket: string;
  requests: S3Request[];
  /** Return a status to answer the request with it (and not forward it), 'drop' to cut the connection, null to forward. */
  fault: ((req: { method: string; path: string }) => number | 'drop' | null) | null;
  /** The s3rver's own endpoint, behind no proxy: for a test to tamper with objects as an attacker with bucket access would. */
  directEndpoint: string;
  close(): Promise<void>;
}

/** node:crypto in the shape the smithy signer wants. */
class Sha256 {
  private readonly h;
  constructor(secret?: Uint8Array | string) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** The SDK's own SigV4 signer with the test credentials, for a service ('s3', 'logs', …). */
export function testSigner(service: string): SignatureV4 {
  return new SignatureV4({
    credentials: TEST_CREDENTIALS,
    region: TEST_REGION,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3', // S3 signs the path as sent
  });
}

const signer = testSigner('s3');

/** Recomputes the request's signature from its signed headers; null when it matches, else why not. */
export async function sigV4Problem(
  method: string,
  rawPath: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  s: SignatureV4 = signer,
): Promise<string | null> {
  const auth = headers.authorization;
  if (!auth) return 'no Authorization header';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return `malformed Authorization header: ${auth}`;
  const [, keyId, , region, service, signedList, signature] = m as unknown as string[];
  if (keyId !== TEST_CREDENTIALS.accessKeyId) return `unknown access key ${keyId}`;
  const amzDate = headers['x-amz-date'] as string | undefined;
  if (!amzDate) return 'no x-amz-date';
  const signed = (signedList as string).split(';');
  const hdrs: Record<string, string> = {};
  for (const h of signed) {
    const v = headers[h];
    if (v === undefined) return `signed header ${h} is missing`;
    hdrs[h] = Array.isArray(v) ? v.join(',') : v;
  }
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash && payloadHash !== 'UNSIGNED-PAYLOAD' && !String(payloadHash).startsWith('STREAMING-')) {
    if (payloadHash !== createHash('sha256').update(body).digest('hex'))
      return 'x-amz-content-sha256 does not match the body';
  }
  const url = new URL(rawPath, 'http://x');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const again = await s.sign(
    {
      method,
      protocol: 'http:',
      hostname: String(headers.host).split(':')[0] as string,
      path: url.pathname,
      query,
      headers: hdrs,
      body,
    },
    { signingDate: date, signingRegion: region, signingService: service },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization))?.[1];
  return expected === signature ? null : 'signature does not match (SignatureDoesNotMatch)';
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

export async function startTestS3(bucket = 'witness-audit'): Promise<TestS3> {
  (
    AWSAccount as unknown as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
  ).DUMMY_ACCOUNT.createKeyPair(TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS.secretAccessKey);
  const dir = mkdtempSync(join(tmpdir(), 'witness-s3rver-'));
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port: backPort } = (await s3rver.run()) as AddressInfo;
  const requests: S3Request[] = [];
  const state: TestS3 = {
    endpoint: '',
    bucket,
    requests,
    fault: null,
    directEndpoint: `http://127.0.0.1:${backPort}`,
    close: async () => {},
  };
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const method = req.method ?? 'GET';
        const path = req.url ?? '/';
        const record = (status: number) =>
          requests.push({ method, path, headers: req.headers, bodyBytes: body.length, status });
        const fault = state.fault?.({ method, path }) ?? null;
        if (fault === 'drop') {
          record(0);
          req.socket.destroy();
          return;
        }
        if (typeof fault === 'number') {
          record(fault);
          res
            .writeHead(fault, { 'content-type': 'application/xml' })
            .end(s3Error('ServiceUnavailable', 'injected'));
          return;
        }
        const refuse = (status: number, code: string, message: string) => {
          record(status);
          res.writeHead(status, { 'content-type': 'application/xml' }).end(s3Error(code, message));
        };
        const sig = await sigV4Problem(method, path, req.headers, body);
        if (sig) return refuse(403, 'SignatureDoesNotMatch', sig);
        if (method === 'PUT') {
          const md5 = req.headers['content-md5'];
          if (md5 && md5 !== createHash('md5').update(body).digest('base64'))
            return refuse(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
          const sha = req.headers['x-amz-checksum-sha256'];
          if (sha && sha !== createHash('sha256').update(body).digest('base64'))
            return refuse(
              400,
              'BadDigest',
              'The SHA256 you specified did not match the calculated checksum.',
            );
          if (req.headers['if-none-match'] === '*') {
            const exists = await new Promise<boolean>((done) => {
              const h = request(
                `http://127.0.0.1:${backPort}${path.split('?')[0]}`,
                { method: 'HEAD' },
                (r) => {
                  r.resume();
                  done(r.statusCode === 200);
                },
              );
              h.on('error', () => done(false));
              h.end();
            });
            if (exists)
              return refuse(
                412,
                'PreconditionFailed',
                'At least one of the pre-conditions you specified did not hold',
              );
          }
        }
        // s3rver checks no signature: forward with the original headers, unchanged.
        const fwd = request(
          { host: '127.0.0.1', port: backPort, method, path, headers: req.headers },
          (up) => {
            record(up.statusCode ?? 0);
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        fwd.on('error', (err) => refuse(502, 'BadGateway', err.message));
        fwd.end(body);
      })();
    });
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  state.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  state.close = async () => {
    proxy.closeAllConnections();
    await new Promise<void>((done) => proxy.close(() => done()));
    await s3rver.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return state;
}
