import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface LingerOptions {
  /** Most body bytes read and dropped after refusing a request. @default 67108864 (64 MiB) */
  maxBytes: number;
  /** Longest the connection is kept open for that. @default 10000 */
  maxMs: number;
}

export const DEFAULT_LINGER: LingerOptions = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * A lingering close (RFC 9112 §9.6; Apache's and nginx's `lingering_close`) for a request refused
 * before its body was read (413, 429, 415, 503). Call it before answering, with the answer carrying
 * `Connection: close`.
 *
 * Why: after such an answer Node calls `socket.destroySoon()`, which closes the socket as soon as the
 * answer is written. The client is still sending; the kernel answers its data with a reset, and a
 * reset makes the client's kernel drop the answer it had not read yet. The client sees EPIPE or
 * ECONNRESET instead of the 413, and OTLP exporters retry those: the same oversized batch comes back.
 *
 * Instead: answer, half-close (our FIN follows the answer), read and drop what the client still sends,
 * and close once its body is over (nothing unread left: no reset), or after `maxBytes` or `maxMs`.
 */
export function lingerBeforeClose(incoming: IncomingMessage, options: LingerOptions): void {
  const socket = incoming.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket || socket.destroyed || incoming.complete) return; // nothing left to arrive
  let answered = false;
  let drained = false;
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    if (!socket.destroyed) socket.destroy();
  };
  const timer = setTimeout(close, options.maxMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));

  // What Node (and @hono/node-server's own drain) call to close after a `Connection: close` answer.
  socket.destroySoon = () => {
    if (answered) return;
    answered = true;
    if (socket.writable) socket.end();
    if (socket.writableFinished) {
      if (drained) close();
    } else {
      socket.once('finish', () => {
        if (drained) close();
      });
    }
  };

  incoming.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > options.maxBytes) close();
  });
  incoming.once('end', () => {
    drained = true;
    if (answered && socket.writableFinished) close();
  });
  incoming.resume();
}
