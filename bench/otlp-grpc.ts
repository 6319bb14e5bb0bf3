/**
 * bench:otlp-grpc — durable spans/s into a real `witness serve` over OTLP/gRPC against the same
 * load over OTLP/HTTP, measured in the same run: each round starts a fresh server (HTTP and gRPC
 * on), runs bench:ingest's load (pre-encoded 512-span protobuf batches from a separate process,
 * several in flight) once per transport, alternating which goes first; the figure is the median of
 * the per-round gRPC/HTTP ratios.
 *
 *   npm run bench:otlp-grpc [-- --seconds 6 --concurrency 8 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWitness } from '../test/helpers/witness-process.js';
import { BATCH_SPANS } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const seconds = Number(arg('seconds', '6'));
const concurrency = Number(arg('concurrency', '8'));
const rounds = Number(arg('rounds', '3'));

interface LoadResult {
  spans: number;
  seconds: number;
  rejected: number;
  failed: number;
}

function runLoad(script: string, args: string[]): Promise<LoadResult> {
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const path = fileURLToPath(new URL(script, import.meta.url));
  const all = [tsx, path, ...args, '--seconds', String(seconds), '--concurrency', String(concurrency)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, all, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load process exited ${code}`)),
    );
  });
}

async function round(grpcFirst: boolean): Promise<{ http: number; grpc: number }> {
  const w = await startWitness({ args: ['--grpc-port', '0'] });
  try {
    const rate: Record<'http' | 'grpc', number> = { http: 0, grpc: 0 };
    for (const transport of grpcFirst ? (['grpc', 'http'] as const) : (['http', 'grpc'] as const)) {
      const l =
        transport === 'http'
          ? await runLoad('./ingest-load.ts', [
              '--url',
              w.url,
              '--tag',
              String(Math.floor(1 + Math.random() * 1e6)),
            ])
          : await runLoad('./otlp-grpc-load.ts', [
              '--target',
              w.grpcUrl!.replace(/^http:\/\//, ''),
              '--tag',
              String(Math.floor(1 + Math.random() * 1e6)),
            ]);
      if (l.failed > 0) throw new Error(`${l.failed} ${transport} requests failed`);
      if (l.rejected > 0)
        console.warn(`  ${transport}: ${l.rejected} requests shed (429/503, RESOURCE_EXHAUSTED/UNAVAILABLE)`);
      rate[transport] = l.spans / l.seconds;
    }
    return rate;
  } finally {
    await w.stop();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const http: number[] = [];
const grpc: number[] = [];
for (let r = 0; r < rounds; r++) {
  const got = await round(r % 2 === 1);
  http.push(got.http);
  grpc.push(got.grpc);
  console.log(`  round ${r + 1}: HTTP ${fmt(got.http)}, gRPC ${fmt(got.grpc)} spans/s`);
}
const ratio = median(grpc.map((g, i) => g / http[i]!));
console.log(
  `bench:otlp-grpc  ${BATCH_SPANS} spans/batch, ${concurrency} calls in flight, ${seconds} s per transport, medians of ${rounds} rounds`,
);
console.log(`  OTLP/HTTP (protobuf): ${fmt(median(http))} spans/s`);
console.log(`  OTLP/gRPC:            ${fmt(median(grpc))} spans/s`);
console.log(`  median per-round ratio gRPC/HTTP: ${ratio.toFixed(3)}`);
