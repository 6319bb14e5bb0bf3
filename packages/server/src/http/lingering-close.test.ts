import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LingerOptions, lingerBeforeClose } from './lingering-close.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = null;
});

/** A real Node HTTP server refusing every request with 413 before reading its body. */
async function refusingServer(options: LingerOptions): Promise<number> {
  const s = createServer((req, res) => {
    lingerBeforeClose(req, options);
    res.writeHead(413, { connection: 'close', 'content-length': '8' });
    res.end('too big\n');
  });
  server = s;
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return (s.address() as AddressInfo).port;
}

/**
 * A client sending a chunked body that never ends, `chunkBytes` every `everyMs` (0: as fast as the
 * socket takes them). Resolves when the server closes the connection, with what it answered.
 */
function endlessUpload(port: number, chunkBytes: number, everyMs: number) {
  return new Promise<{ answer: string; sent: number }>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      answer += d;
    });
    socket.on('error', () => {}); // the cut may reset: judged by what was read before
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent });
    });
    const chunk = Buffer.concat([
      Buffer.from(`${chunkBytes.toString(16)}\r\n`),
      Buffer.alloc(chunkBytes, 0x61),
      Buffer.from('\r\n'),
    ]);
    socket.once('connect', () => {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      if (everyMs > 0) {
        timer = setInterval(() => {
          if (socket.destroyed) return;
          sent += chunkBytes;
          socket.write(chunk);
        }, everyMs);
        return;
      }
      const pump = () => {
        while (!socket.destroyed) {
          sent += chunkBytes;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}

describe('lingerBeforeClose', () => {
  it('drains at most maxBytes of a body that never ends, then closes', async () => {
    const port = await refusingServer({ maxBytes: 2 * 1024 * 1024, maxMs: 60_000 });
    const r = await endlessUpload(port, 64 * 1024, 0);
    expect(r.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(r.sent).toBeGreaterThan(2 * 1024 * 1024); // it read (and dropped) up to the bound…
    expect(r.sent).toBeLessThan(64 * 1024 * 1024); // …and not much past it (socket buffers aside)
  });

  it('closes a connection that trickles forever after maxMs', async () => {
    const port = await refusingServer({ maxBytes: 64 * 1024 * 1024, maxMs: 300 });
    const r = await endlessUpload(port, 10, 50);
    expect(r.answer).toMatch(/^HTTP\/1\.1 413/);
  });

  it('closes cleanly once the refused body is over: the client reads the answer', async () => {
    const port = await refusingServer({ maxBytes: 64 * 1024 * 1024, maxMs: 60_000 });
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        got += d;
      });
      socket.on('close', () => resolve(got));
      const body = Buffer.alloc(8 * 1024 * 1024, 0x62);
      socket.once('connect', () => {
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.end(body);
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/\r\n\r\ntoo big\n$/);
  });
});
