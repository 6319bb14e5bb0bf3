/**
 * OTLP compression `auto` (the default): none to a loopback endpoint, gzip to any other; `gzip` and
 * `none` as said. Checked on the wire: a real HTTP/2 server reads the gRPC message's compressed flag and
 * the grpc-encoding header (grpc-js hides both from its own handlers), a real HTTP server reads
 * Content-Encoding.
 */
import { once } from 'node:events';
import { createServer as createHttp, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttp2, type IncomingHttpHeaders as Http2Headers } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../../config/exporters-schema.js';
import { createLogger } from '../../logging/index.js';
import { encodedFrame } from '../records-codec.js';
import { readEncodedFrame } from '../records-codec.js';
import { createOtlpExporter, isLoopbackHost, type OtlpExporterConfig, otlpGzip } from './otlp-exporter.js';

const config = (over: Record<string, unknown>) =>
  exporterSchema.parse({
    name: 'x',
    type: 'otlp',
    endpoint: 'http://127.0.0.1:4318',
    ...over,
  }) as OtlpExporterConfig;

describe('OTLP compression', () => {
  it('auto is the default: none to loopback hosts, gzip to any other; gzip and none as configured', () => {
    expect(config({}).compression).toBe('auto');
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'otel.localhost', '[::1]'])
      expect(otlpGzip(config({ endpoint: `http://${host}:4317` })), host).toBe(false);
    for (const host of [
      '10.0.0.7',
      'tempo',
      'collector.internal',
      '[2001:db8::1]',
      '128.0.0.1',
      'localhost.example.com',
    ])
      expect(otlpGzip(config({ endpoint: `https://${host}:4317` })), host).toBe(true);
    expect(otlpGzip(config({ endpoint: 'http://127.0.0.1:4317', compression: 'gzip' }))).toBe(true);
    expect(otlpGzip(config({ endpoint: 'http://tempo:4317', compression: 'none' }))).toBe(false);
    expect(isLoopbackHost('[::ffff:127.0.0.1]')).toBe(true);
  });

  describe('on the wire', () => {
    const grpcSeen: Array<{ headers: Http2Headers; flag: number; body: Buffer }> = [];
    const httpSeen: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
    const h2 = createHttp2();
    const h1 = createHttp((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        httpSeen.push({ headers: req.headers, body: Buffer.concat(parts) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    h2.on('stream', (stream, headers) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        const msg = Buffer.concat(parts);
        // gRPC message: 1 byte compressed flag, u32 big-endian length, the message
        grpcSeen.push({ headers, flag: msg[0], body: msg.subarray(5, 5 + msg.readUInt32BE(1)) });
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    let h2Url = '';
    let h1Url = '';
    beforeAll(async () => {
      h2.listen(0, '127.0.0.1');
      h1.listen(0, '127.0.0.1');
      await Promise.all([once(h2, 'listening'), once(h1, 'listening')]);
      h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
      h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await Promise.all([new Promise((r) => h2.close(r)), new Promise((r) => h1.close(r))]);
    });

    const body = Buffer.from('0a0012340a', 'hex'); // bytes to carry; the servers do not decode them
    async function send(over: Record<string, unknown>): Promise<void> {
      const exporter = createOtlpExporter(config(over), {
        env: {},
        logger: createLogger({ level: 'silent' }),
      });
      const frame = readEncodedFrame(encodedFrame('p', 'spans', body));
      const result = await exporter.sendEncoded?.(
        'p',
        [{ signal: 'spans', body: frame?.body as Buffer, items: 1 }],
        { signal: AbortSignal.timeout(10_000) },
      );
      await exporter.close?.();
      expect(result?.kind).toBe('success');
    }

    it('gRPC: auto to loopback sends uncompressed messages; gzip compresses them', async () => {
      await send({ endpoint: h2Url, protocol: 'grpc' });
      const plain = grpcSeen.at(-1);
      expect(plain?.flag).toBe(0);
      expect(plain?.headers['grpc-encoding'] ?? 'identity').toBe('identity');
      expect(plain?.body.equals(body)).toBe(true);

      await send({ endpoint: h2Url, protocol: 'grpc', compression: 'gzip' });
      const gz = grpcSeen.at(-1);
      expect(gz?.flag).toBe(1);
      expect(gz?.headers['grpc-encoding']).toBe('gzip');
      expect(gunzipSync(gz?.body as Buffer).equals(body)).toBe(true);
    });

    it('HTTP: auto to loopback sends the body as is; gzip sets Content-Encoding', async () => {
      await send({ endpoint: h1Url });
      expect(httpSeen.at(-1)?.headers['content-encoding']).toBeUndefined();
      expect(httpSeen.at(-1)?.body.equals(body)).toBe(true);
      await send({ endpoint: h1Url, compression: 'gzip' });
      expect(httpSeen.at(-1)?.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(httpSeen.at(-1)?.body as Buffer).equals(body)).toBe(true);
    });
  });
});
