/**
 * bench:ingest — durable spans/s through the whole server (HTTP → gunzip/limits → decode → normalize →
 * DuckDB commit → 200), against the raw DuckDB Appender ceiling for the same rows, measured in the same
 * run on this machine. The load comes from a separate process sending pre-encoded OTLP protobuf
 * batches of 512 realistic agent spans with several requests in flight.
 *
 *   npm run bench:ingest [-- --seconds 10 --concurrency 8]
 *
 * Targets (issue 2): ≥ 100,000 spans/s durable, ratio to the Appender ceiling ≥ 0.5.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { measureAppenderCeiling } from '../packages/server/src/store/duckdb/index.js';
import { startWitness } from '../test/helpers/witness-process.js';
import { BATCH_SPANS, buildTemplate, payloadFor } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('seconds', '10'));
const concurrency = Number(arg('concurrency', '8'));
const ceilingBatches = Number(arg('ceiling-batches', '400'));

interface LoadResult {
  batches: number;
  spans: number;
  seconds: number;
  rejected: number;
  failed: number;
  payloadBytes: number;
}

function runLoad(url: string): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsx, script, '--url', url, '--seconds', String(seconds), '--concurrency', String(concurrency)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load process exited ${code}`)),
    );
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// 1. Through the server.
const w = await startWitness();
let load: LoadResult;
try {
  load = await runLoad(w.url);
} finally {
  await w.stop();
}
const durable = load.spans / load.seconds;

// 2. The Appender ceiling for the same rows: decode + normalize once (not timed), then only append.
const template = buildTemplate();
const rows = Array.from({ length: 8 }, (_, i) => {
  const spans = decodeTracesProto(payloadFor(template, i, 1)).spans;
  normalizeSpans(spans);
  return spans;
});
const dir = mkdtempSync(join(tmpdir(), 'witness-bench-ceiling-'));
let ceiling: number;
try {
  ceiling = await measureAppenderCeiling({
    path: join(dir, 'ceiling.duckdb'),
    batches: rows,
    totalBatches: ceilingBatches,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `bench:ingest  ${BATCH_SPANS} spans/batch, ${concurrency} requests in flight, ${load.seconds.toFixed(1)} s, payload ${fmt(load.payloadBytes)} bytes`,
);
console.log(
  `  durable (answered 200): ${fmt(durable)} spans/s  (${load.batches} batches; ${load.rejected} got 429/503, ${load.failed} failed)`,
);
console.log(
  `  raw DuckDB Appender:    ${fmt(ceiling)} spans/s  (same rows, one connection, no HTTP/decoding)`,
);
console.log(
  `  ratio durable/appender: ${(durable / ceiling).toFixed(2)}  (target ≥ 0.5; absolute target ≥ 100,000 spans/s)`,
);
