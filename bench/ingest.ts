/**
 * bench:ingest — durable spans/s through the whole server (HTTP → gunzip/limits → decode → normalize →
 * identity check → audit → DuckDB commit → 200), with the audit log off (store only) and on (the
 * default), against the raw DuckDB Appender ceiling for the same rows, measured in the same run on
 * this machine. The load comes from a separate process sending pre-encoded OTLP protobuf batches of
 * 512 realistic agent spans with several requests in flight.
 *
 *   npm run bench:ingest [-- --seconds 10 --concurrency 8 --rounds 1]
 *
 * Target (issue 9): store+audit durable spans/s ≥ 0.9 × the Appender ceiling. With --rounds N the
 * three measurements alternate N times and medians are printed (the machine is shared and noisy).
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
const rounds = Number(arg('rounds', '1'));

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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Durable spans/s through a fresh `witness serve`, with or without the audit log. */
async function throughServer(audit: boolean): Promise<LoadResult> {
  const w = await startWitness({ env: audit ? {} : { WITNESS_AUDIT_ENABLED: 'false' } });
  try {
    return await runLoad(w.url);
  } finally {
    await w.stop();
  }
}

// The Appender ceiling for the same rows: decode + normalize once (not timed), then only append.
const template = buildTemplate();
const rows = Array.from({ length: 8 }, (_, i) => {
  const spans = decodeTracesProto(payloadFor(template, i, 1)).spans;
  normalizeSpans(spans);
  return spans;
});
async function appenderCeiling(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'witness-bench-ceiling-'));
  try {
    return await measureAppenderCeiling({
      path: join(dir, 'ceiling.duckdb'),
      batches: rows,
      totalBatches: ceilingBatches,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = { storeOnly: [] as number[], withAudit: [] as number[], ceiling: [] as number[] };
let last: LoadResult | null = null;
for (let r = 0; r < rounds; r++) {
  const storeOnly = await throughServer(false);
  const withAudit = await throughServer(true);
  const ceiling = await appenderCeiling();
  for (const [name, l] of [
    ['store only', storeOnly],
    ['store+audit', withAudit],
  ] as const) {
    if (l.failed > 0) console.warn(`  ${name}: ${l.failed} requests failed`);
  }
  results.storeOnly.push(storeOnly.spans / storeOnly.seconds);
  results.withAudit.push(withAudit.spans / withAudit.seconds);
  results.ceiling.push(ceiling);
  last = withAudit;
  if (rounds > 1)
    console.log(
      `  round ${r + 1}: store only ${fmt(results.storeOnly[r])}, store+audit ${fmt(results.withAudit[r])}, appender ${fmt(ceiling)} spans/s`,
    );
}
const storeOnly = median(results.storeOnly);
const withAudit = median(results.withAudit);
const ceiling = median(results.ceiling);
const l = last as LoadResult;
console.log(
  `bench:ingest  ${BATCH_SPANS} spans/batch, ${concurrency} requests in flight, ${seconds} s per server, payload ${fmt(l.payloadBytes)} bytes${rounds > 1 ? `, medians of ${rounds} rounds` : ''}`,
);
console.log(`  raw DuckDB Appender:  ${fmt(ceiling)} spans/s  (same rows, one connection, no HTTP/decoding)`);
console.log(
  `  durable, store only:  ${fmt(storeOnly)} spans/s  ratio ${(storeOnly / ceiling).toFixed(2)}  (audit log off)`,
);
console.log(
  `  durable, store+audit: ${fmt(withAudit)} spans/s  ratio ${(withAudit / ceiling).toFixed(2)}  (the default; target ratio ≥ 0.90)`,
);
