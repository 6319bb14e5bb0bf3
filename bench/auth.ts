/**
 * bench:auth — what authentication costs ingest: durable spans/s through a real `witness serve` with
 * auth off, against the same server with auth on and every request carrying an ingest key
 * (`Authorization: Bearer`), measured in the same run, alternating, the median of the per-round ratios of --rounds. The load is
 * bench:ingest's (a separate process, pre-encoded 512-span protobuf batches, several in flight).
 * Also the auth middleware alone, in-process: microseconds per request.
 *
 *   npm run bench:auth [-- --seconds 8 --concurrency 8 --rounds 3]
 *
 * Target (issue 12): authenticated ingest costs ≤ 3% throughput against auth off.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import {
  authMiddleware,
  clientAddressOf,
  generateKey,
  KeyStore,
  keysFilePath,
  TokenBuckets,
  updateKeysFile,
} from '../packages/server/src/auth/index.js';
import { keyAuthenticator } from '../packages/server/src/auth/key-authenticator.js';
import { startWitness } from '../test/helpers/witness-process.js';
import { BATCH_SPANS } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const seconds = Number(arg('seconds', '8'));
const concurrency = Number(arg('concurrency', '8'));
const rounds = Number(arg('rounds', '3'));

interface LoadResult {
  spans: number;
  seconds: number;
  rejected: number;
  failed: number;
}

function runLoad(url: string, key: string): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const args = [
    tsx,
    script,
    '--url',
    url,
    '--seconds',
    String(seconds),
    '--concurrency',
    String(concurrency),
  ];
  if (key) args.push('--key', key);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load process exited ${code}`)),
    );
  });
}

async function through(auth: boolean): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-bench-auth-'));
  let key = '';
  if (auth) {
    const made = generateKey({ name: 'bench', project: 'default', scope: 'ingest', expiresAt: null });
    updateKeysFile(keysFilePath(dataDir), (c) => {
      c.keys.push(made.record);
    });
    key = made.key;
  }
  const w = await startWitness({ dataDir, env: { WITNESS_AUTH_ENABLED: String(auth) } });
  try {
    const l = await runLoad(w.url, key);
    if (l.failed > 0) throw new Error(`${l.failed} requests failed (auth ${auth ? 'on' : 'off'})`);
    if (l.rejected > 0)
      console.warn(`  auth ${auth ? 'on' : 'off'}: ${l.rejected} requests answered 429/503`);
    return l.spans / l.seconds;
  } finally {
    await w.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The middleware alone: a key check, both rate limits and the project resolution, per request. */
async function middlewareMicros(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'witness-bench-auth-mw-'));
  try {
    const made = generateKey({ name: 'bench', project: 'default', scope: 'ingest', expiresAt: null });
    const path = keysFilePath(dir);
    updateKeysFile(path, (c) => {
      c.keys.push(made.record);
    });
    const store = new KeyStore({ path });
    store.start();
    store.close();
    const app = new Hono();
    app.use(
      '*',
      authMiddleware({
        authenticators: [keyAuthenticator(store)],
        clientAddress: clientAddressOf([]),
        perAddress: new TokenBuckets({ perSecond: 1e9, burst: 1e9 }),
        perCredential: new TokenBuckets({ perSecond: 1e9, burst: 1e9 }),
        failures: new TokenBuckets({ perSecond: 1, burst: 20 }),
      }),
    );
    app.post('/v1/traces', (c) => c.body(null, 200));
    const bare = new Hono();
    bare.post('/v1/traces', (c) => c.body(null, 200));
    const headers = { authorization: `Bearer ${made.key}` };
    const time = async (a: Hono, n: number) => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await a.request('/v1/traces', { method: 'POST', headers });
      return (performance.now() - t0) / n;
    };
    await time(app, 2000);
    await time(bare, 2000);
    const withAuth = await time(app, 20_000);
    const without = await time(bare, 20_000);
    return (withAuth - without) * 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const off: number[] = [];
const on: number[] = [];
for (let r = 0; r < rounds; r++) {
  // alternate which goes first, so a drift in the machine's load does not favour one side
  const order = r % 2 === 0 ? [false, true] : [true, false];
  for (const auth of order) (auth ? on : off).push(await through(auth));
  console.log(`  round ${r + 1}: auth off ${fmt(off[r]!)}, auth on ${fmt(on[r]!)} spans/s`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
const mOff = median(off);
const mOn = median(on);
// The figure is the median of each round's own on/off ratio: the two runs of a round are back to back,
// so a drift in the machine's load between rounds cancels out instead of landing on one side.
const ratio = median(on.map((v, i) => v / off[i]!));
const cost = (1 - ratio) * 100;
const micros = await middlewareMicros();
console.log(
  `bench:auth  ${BATCH_SPANS} spans/batch, ${concurrency} requests in flight, ${seconds} s per server, medians of ${rounds} rounds`,
);
console.log(`  auth off:               ${fmt(mOff)} spans/s`);
console.log(`  auth on (ingest key):   ${fmt(mOn)} spans/s`);
console.log(
  `  median per-round ratio: ${ratio.toFixed(3)}  cost ${cost.toFixed(1)}%  (target ≤ 3%; ratio of the medians ${(mOn / mOff).toFixed(3)})`,
);
console.log(
  `  auth middleware alone:  ${micros.toFixed(1)} µs per request (in-process, key check + rate limits)`,
);
// The end-to-end ratio is at the mercy of the machine's load; this one is not: the middleware's time
// per request times the requests per second auth-off ingest reached, as a share of one event loop.
const share = ((micros * (mOff / BATCH_SPANS)) / 1e6) * 100;
console.log(
  `  → at the auth-off rate (${fmt(mOff / BATCH_SPANS)} requests/s) the middleware takes ${share.toFixed(3)}% of the event loop`,
);
