/**
 * sendHttp on node:http against a real local server: the outcome table, gzip, keep-alive, 307/308
 * followed with the body, other redirects refused naming the target, an answer cut off mid-body, a
 * timeout, a refused connection.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendHttp } from './http-send.js';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
const seen: Array<{
  url: string;
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  port: number;
}> = [];
let handler: Handler = (_req, _body, res) => res.writeHead(200).end();
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    seen.push({
      url: req.url ?? '',
      method: req.method ?? '',
      headers: req.headers,
      body,
      port: req.socket.remotePort ?? 0,
    });
    handler(req, body, res);
  });
});
let base = '';
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
const send = (path: string, extra: Partial<Parameters<typeof sendHttp>[0]> = {}, ms = 5000) =>
  sendHttp(
    { url: `${base}${path}`, headers: { 'x-k': 'v' }, body: 'hello', ...extra },
    AbortSignal.timeout(ms),
  );

describe('sendHttp', () => {
  it('2xx success, 429 retryable with Retry-After, 400 permanent with the body; headers and gzip sent', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end();
    expect(await send('/a', { gzip: true })).toEqual({ kind: 'success' });
    const a = seen.at(-1);
    expect(a?.headers['x-k']).toBe('v');
    expect(a?.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(a?.body as Buffer).toString()).toBe('hello');
    handler = (_req, _body, res) => res.writeHead(429, { 'retry-after': '3' }).end('slow down');
    expect(await send('/b')).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 3000 });
    handler = (_req, _body, res) => res.writeHead(400).end('bad field x');
    expect(await send('/c')).toMatchObject({
      kind: 'permanent',
      status: 400,
      error: 'HTTP 400: bad field x',
    });
  });

  it('keeps the connection alive between requests', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end();
    await send('/k1');
    await send('/k2');
    expect(seen.at(-1)?.port).toBe(seen.at(-2)?.port);
  });

  it('follows 307/308 with the method and body; refuses other redirects naming where they point', async () => {
    handler = (req, _body, res) =>
      req.url === '/old' ? res.writeHead(308, { location: '/new' }).end() : res.writeHead(200).end();
    expect(await send('/old', { method: 'PUT' })).toEqual({ kind: 'success' });
    expect(seen.at(-1)).toMatchObject({ url: '/new', method: 'PUT' });
    expect(seen.at(-1)?.body.toString()).toBe('hello');
    handler = (_req, _body, res) => res.writeHead(301, { location: 'https://elsewhere.example/x' }).end();
    const r = await send('/moved');
    expect(r).toMatchObject({ kind: 'permanent', status: 301 });
    expect(r.kind === 'permanent' && r.error).toContain('https://elsewhere.example/x');
    handler = (_req, _body, res) => res.writeHead(307, { location: '/loop' }).end();
    expect(await send('/loop')).toMatchObject({ kind: 'permanent', status: 307 });
  });

  it('a 200 cut off mid-body, a timeout and a refused connection are retryable', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect((await send('/cut')).kind).toBe('retryable');
    handler = (_req, _body, res) => setTimeout(() => res.writeHead(200).end(), 2000);
    expect(await send('/slow', {}, 200)).toEqual({ kind: 'retryable', error: 'timed out' });
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const refused = await sendHttp(
      { url: `http://127.0.0.1:${port}/`, headers: {}, body: 'x' },
      AbortSignal.timeout(5000),
    );
    expect(refused.kind).toBe('retryable');
    expect(refused.kind === 'retryable' && refused.error).toContain('ECONNREFUSED');
  });
});
