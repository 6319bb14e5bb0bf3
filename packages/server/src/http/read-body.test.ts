import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WitnessError } from './errors.js';
import { decodeContentEncoding } from './read-body.js';

describe('decodeContentEncoding', () => {
  it('passes identity through and gunzips gzip', async () => {
    const body = Buffer.from('hello');
    expect(await decodeContentEncoding(body, undefined, 100)).toBe(body);
    expect(await decodeContentEncoding(body, 'identity', 100)).toBe(body);
    expect((await decodeContentEncoding(gzipSync(body), 'gzip', 100)).toString()).toBe('hello');
  });

  it('stops a gzip bomb at the limit with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KiB on the wire
    const err = await decodeContentEncoding(bomb, 'gzip', 1024 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WitnessError);
    expect((err as WitnessError).status).toBe(413);
    expect((err as WitnessError).message).toMatch(
      /decompressed body is larger than the limit of 1048576 bytes/,
    );
  });

  it('answers 400 for a body that is not gzip, 415 for an unknown encoding', async () => {
    const notGzip = await decodeContentEncoding(Buffer.from('plain'), 'gzip', 100).catch(
      (e: WitnessError) => e,
    );
    expect(notGzip.status).toBe(400);
    expect(notGzip.message).toMatch(/not valid gzip/);
    const br = await decodeContentEncoding(Buffer.from('x'), 'br', 100).catch((e: WitnessError) => e);
    expect(br.status).toBe(415);
    expect(br.message).toMatch(/Content-Encoding "br" is not supported/);
  });
});
