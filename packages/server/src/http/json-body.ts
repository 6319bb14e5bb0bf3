import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { WitnessError } from './errors.js';
import { DEFAULT_LINGER, lingerBeforeClose } from './lingering-close.js';
import { readRawBody } from './read-body.js';

export interface JsonBodyOptions {
  /** Most bytes of the body; past it the answer is a 413, given while the client is still sending. */
  maxBytes: number;
  /** What the body is, for the messages ("funnel query", "score"). */
  what: string;
  /** Appended to the 400 when the body is not JSON: what a good body looks like. */
  shape?: string;
}

/**
 * The JSON body of an /api request, read off the socket with a byte cap: a chunked body (no
 * Content-Length) is refused as soon as it crosses `maxBytes`, not after the whole of it was buffered
 * (a client streaming 256 MiB to a 64 KiB route once had all of it read). 415 unless the type is JSON.
 */
export async function readJsonBody(c: Context, options: JsonBodyOptions): Promise<unknown> {
  const { maxBytes, what } = options;
  const tooLarge = () =>
    new WitnessError('PAYLOAD_TOO_LARGE', `${what} bodies are limited to ${maxBytes} bytes`, {
      // the client may still be sending: what it sends next is not worth reading
      closeConnection: true,
    });
  if (!(c.req.header('content-type') ?? '').toLowerCase().includes('application/json'))
    throw new WitnessError('UNSUPPORTED_MEDIA_TYPE', `send the ${what} with Content-Type: application/json`);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  let raw: Buffer;
  if (incoming) {
    try {
      raw = await readRawBody(incoming, maxBytes);
    } catch (err) {
      if (!(err instanceof WitnessError && err.code === 'PAYLOAD_TOO_LARGE')) throw err;
      // the client is still sending: read and drop the rest (bounded) so it reads the 413, not a reset
      lingerBeforeClose(incoming, DEFAULT_LINGER);
      throw tooLarge();
    }
  } else {
    // in-process (app.request): the body is already in memory
    raw = Buffer.from(await c.req.arrayBuffer());
    if (raw.length > maxBytes) throw tooLarge();
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new WitnessError(
      'BAD_REQUEST',
      `the ${what} body must be JSON${options.shape ? `: ${options.shape}` : ''}`,
    );
  }
}
