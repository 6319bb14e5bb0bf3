/**
 * The load half of bench:ingest, run as its own process so the server's CPU is not shared with the
 * client's event loop in one process: POSTs pre-encoded 512-span protobuf batches with `--concurrency`
 * requests in flight for `--seconds`, and prints one JSON line with what was answered 200.
 */
import { Agent, request } from 'node:http';
import { BATCH_SPANS, buildTemplate, payloadFor } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const url = new URL('/v1/traces', arg('url', 'http://127.0.0.1:4318'));
const concurrency = Number(arg('concurrency', '8'));
const seconds = Number(arg('seconds', '10'));
const tag = Number(arg('tag', String(process.pid)));
/** An API key sent as `Authorization: Bearer` (bench:auth); none by default. */
const key = arg('key', '');

const template = buildTemplate();
// Pre-encode a ring of payloads; a request takes the next one and patches only its number.
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(body: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-length': body.length,
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

let next = 0;
let ok = 0;
let rejected = 0;
let failed = 0;
const deadline = Date.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const status = await post(payloadFor(template, next++, tag));
      if (status === 200) ok++;
      else if (status === 429 || status === 503) rejected++;
      else failed++;
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
agent.destroy();
process.stdout.write(
  `${JSON.stringify({ batches: ok, spans: ok * BATCH_SPANS, seconds: elapsed, rejected, failed, payloadBytes: template.bytes.length })}\n`,
);
