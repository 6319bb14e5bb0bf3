import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { WitnessError } from './errors.js';

export interface BodyLimits {
  /** Most bytes read off the wire (compressed, if compressed). */
  maxRequestBytes: number;
  /** Most bytes after gunzip. */
  maxDecompressedBytes: number;
}

export function tooLarge(limit: number): WitnessError {
  // close (lingering, see lingering-close.ts): the client may still be sending the rest.
  return new WitnessError(
    'PAYLOAD_TOO_LARGE',
    `request body is larger than the limit of ${limit} bytes; send smaller batches (or raise limits.maxRequestBytes)`,
    { closeConnection: true },
  );
}

/** Too many bytes held by requests in flight: the exporter retries after Retry-After. */
export function saturated(): WitnessError {
  return new WitnessError('TOO_MANY_REQUESTS', 'ingest is saturated; retry after the delay in Retry-After', {
    retryAfterSeconds: 1,
    closeConnection: true,
  });
}

/** The declared Content-Length, or null when the body is chunked (or the header is not a number). */
export function declaredLength(incoming: IncomingMessage): number | null {
  const declared = incoming.headers['content-length'];
  if (declared === undefined) return null;
  const n = Number(declared);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Reads a request body straight off the Node stream, refusing it as soon as it crosses `maxBytes`
 * (a declared Content-Length over the limit is refused before one byte is read). `hold` is asked
 * for every chunk's bytes as it arrives (admission control); when it says no, the read ends with 429.
 */
export function readRawBody(
  incoming: IncomingMessage,
  maxBytes: number,
  hold: (bytes: number) => boolean = () => true,
): Promise<Buffer> {
  const declared = declaredLength(incoming);
  if (declared !== null && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const refuse = (err: WitnessError) => {
      cleanup();
      incoming.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) return refuse(tooLarge(maxBytes));
      if (!hold(chunk.length)) return refuse(saturated());
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(
        new WitnessError('BAD_REQUEST', `could not read the request body: ${err.message}`, { cause: err }),
      );
    };
    const onAborted = () => onError(new Error('client aborted the request'));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}

/**
 * Undoes `Content-Encoding`. gunzip stops as soon as the output would pass `maxBytes`
 * (zlib's maxOutputLength), so a gzip bomb costs at most that much work and memory.
 */
export function decodeContentEncoding(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return Promise.resolve(body);
  if (enc !== 'gzip' && enc !== 'x-gzip') {
    return Promise.reject(
      new WitnessError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding "${encoding}" is not supported; send the body uncompressed or with gzip`,
      ),
    );
  }
  return new Promise<Buffer>((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return reject(
          new WitnessError(
            'PAYLOAD_TOO_LARGE',
            `decompressed body is larger than the limit of ${maxBytes} bytes; send smaller batches (or raise limits.maxDecompressedBytes)`,
          ),
        );
      }
      reject(
        new WitnessError('BAD_REQUEST', `body is not valid gzip (${err.message}); check Content-Encoding`, {
          cause: err,
        }),
      );
    });
  });
}
