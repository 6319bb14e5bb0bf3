/**
 * Bad input gets a clear 4xx naming what was wrong, and the server keeps serving. Runs the real
 * `witness serve` with small limits so the over-limit cases stay fast.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const MiB = 1024 * 1024;
let w: WitnessProcess;
/*
 * Built before the server starts: compressing 200 MiB takes seconds on a loaded machine, and an idle
 * gap that long in mid-test lets the server's keep-alive timeout close the connection just as fetch
 * reuses it ("other side closed"), a race of the client's connection pool, not of the server.
 */
let bomb: Buffer;

beforeAll(async () => {
  bomb = gzipSync(Buffer.alloc(200 * MiB)); // ~200 KiB on the wire
  w = await startWitness({
    env: {
      WITNESS_LIMITS_MAX_REQUEST_BYTES: String(2 * MiB),
      WITNESS_LIMITS_MAX_DECOMPRESSED_BYTES: String(8 * MiB),
    },
  });
});
afterAll(async () => {
  await w?.stop();
});

function span(overrides: Partial<SpanInput> = {}): SpanInput {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId: newTraceId(),
    spanId: newSpanId(),
    name: 'ok-span',
    startNs: now,
    endNs: now + 1_000_000n,
    ...overrides,
  };
}

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${w.url}${path}`, { method: 'POST', body, headers });
  const type = res.headers.get('content-type') ?? '';
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type, raw, text: raw.toString('utf8'), headers: res.headers };
}
const postProto = (body: Uint8Array, extra: Record<string, string> = {}) =>
  post('/v1/traces', body, { 'content-type': 'application/x-protobuf', ...extra });
const postJson = (body: unknown) =>
  post('/v1/traces', typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'application/json',
  });

/**
 * POST with node:http, which reads a response that arrives while the body is still being sent (the
 * server answers 413 before reading the rest). `withLength` false sends the body chunked.
 */
function rawPost(
  body: Buffer,
  withLength: boolean,
): Promise<{ status: number; connection?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (withLength) headers['content-length'] = String(body.length);
    const req = request(`${w.url}/v1/traces`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          connection: res.headers.connection,
          text: Buffer.concat(chunks).toString(),
        });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      // The server closes after answering (a lingering close: it drains first, so the answer is read).
      if (!req.destroyed) reject(err);
    });
    const chunk = 256 * 1024;
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const part = body.subarray(at, at + chunk);
        at += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** The message of a JSON error body (`{ error: { code, message } }`). */
function jsonError(r: { text: string }): { code: string; message: string } {
  return (JSON.parse(r.text) as { error: { code: string; message: string } }).error;
}

/** The server still ingests and answers after the bad request. */
async function stillServing(): Promise<void> {
  const s = span({ name: 'after-bad-input' });
  const ok = await postProto(encodeTraces('malformed-e2e', [s]));
  expect(ok.status).toBe(200);
  const got = await fetch(`${w.url}/api/traces/${s.traceId}`);
  expect(got.status).toBe(200);
}

describe('malformed OTLP input', () => {
  it('truncated protobuf → 400 with the decoder message (protobuf Status body)', async () => {
    const good = encodeTraces('malformed-e2e', [span(), span()]);
    const r = await postProto(good.subarray(0, good.length - 7));
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/x-protobuf');
    // google.rpc.Status: field 1 code (3 = INVALID_ARGUMENT), field 2 the message
    expect(r.raw[0]).toBe(0x08);
    expect(r.raw[1]).toBe(3);
    expect(r.text).toMatch(/invalid OTLP protobuf body: .+/);
    await stillServing();
  });

  it('garbage protobuf → 400', async () => {
    const garbage = Buffer.from(
      'this is definitely not protobuf \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff',
      'latin1',
    );
    const r = await postProto(garbage);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/invalid OTLP protobuf body/);
    await stillServing();
  });

  it('JSON that is not JSON, or has wrong types → 400 naming the problem', async () => {
    const notJson = await postJson('{"resourceSpans": [');
    expect(notJson.status).toBe(400);
    expect(jsonError(notJson)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(jsonError(notJson).message).toMatch(/invalid OTLP JSON body/);

    const wrongType = await postJson({ resourceSpans: 'nope' });
    expect(wrongType.status).toBe(400);
    expect(jsonError(wrongType).message).toMatch(/resourceSpans/);

    const wrongField = await postJson({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 12, spanId: newSpanId(), name: 'x' }] }] }],
    });
    expect(wrongField.status).toBe(400);
    expect(jsonError(wrongField).message).toMatch(/traceId/i);
    await stillServing();
  });

  it('a bad hex id rejects the whole request with 400, storing none of it', async () => {
    const good = span({ name: 'good-in-bad-batch' });
    const json = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'malformed-e2e' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: good.traceId,
                  spanId: good.spanId,
                  name: 'good',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
                {
                  traceId: 'zz'.repeat(16),
                  spanId: newSpanId(),
                  name: 'bad',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
              ],
            },
          ],
        },
      ],
    };
    const r = await postJson(json);
    expect(r.status).toBe(400);
    expect(jsonError(r).message).toMatch(/trace ?id/i);
    expect((await fetch(`${w.url}/api/traces/${good.traceId}`)).status).toBe(404);

    // protobuf: a 5-byte span id
    const shortId = await postProto(
      encodeTraces('malformed-e2e', [span(), span({ spanId: Buffer.from('0102030405', 'hex') })]),
    );
    expect(shortId.status).toBe(400);
    expect(shortId.text).toMatch(/span ?id/i);
    await stillServing();
  });

  it('invalid UTF-8 in a string field → 400', async () => {
    const r = await postProto(
      encodeTraces('malformed-e2e', [span({ name: Buffer.from([0x61, 0xc3, 0x28, 0xff]) })]),
    );
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/UTF-8/i);
    await stillServing();
  });

  it('a huge attribute value within the body limit is a clear answer, not a crash', async () => {
    const s = span({ attributes: { 'big.value': 'x'.repeat(1.5 * MiB) } });
    const r = await postProto(encodeTraces('malformed-e2e', [s]));
    if (r.status === 200) {
      const got = await fetch(`${w.url}/api/traces/${s.traceId}`);
      expect(got.status).toBe(200);
    } else {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.text.length).toBeGreaterThan(10);
    }
    await stillServing();
  });

  it('a gzip bomb → 413 after at most the decompression limit', async () => {
    expect(bomb.length).toBeLessThan(2 * MiB);
    const r = await postProto(bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/decompressed body is larger than the limit of 8388608 bytes/);
    await stillServing();
  });

  it('a body over the limit → 413 with Connection: close, also without Content-Length', async () => {
    const big = await rawPost(Buffer.from(`{"resourceSpans":[],"pad":"${'x'.repeat(3 * MiB)}"}`), true);
    expect(big.status).toBe(413);
    expect(big.connection).toBe('close');
    expect(jsonError(big)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(jsonError(big).message).toMatch(/larger than the limit of 2097152 bytes/);

    // Chunked upload (no Content-Length) far over the limit: the answer comes once the limit is crossed.
    const chunked = await rawPost(Buffer.alloc(64 * MiB), false);
    expect({ status: chunked.status, connection: chunked.connection }).toEqual({
      status: 413,
      connection: 'close',
    });
    await stillServing();
  });

  it('an unknown content type or encoding → 415', async () => {
    const text = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(jsonError(text)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(jsonError(text).message).toMatch(/application\/x-protobuf or application\/json/);
    const br = await postProto(Buffer.from('x'), { 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(br.text).toMatch(/Content-Encoding "br"/);
    await stillServing();
  });
});
