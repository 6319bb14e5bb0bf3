/**
 * bench:exporters — what forwarding costs ingest: durable spans/s through a real `witness serve` with
 * three exporters configured (OTLP/HTTP protobuf + gzip, OTLP/gRPC, Prometheus remote write, each to a
 * local sink that answers at once) against the same server with none, in the same run, alternating, the
 * median of the per-round ratios of --rounds. The load is bench:ingest's (a separate process,
 * pre-encoded 512-span protobuf batches, several in flight). After each run with exporters, how much
 * they shipped and how far behind they were is printed: an exporter that shipped nothing would make
 * the ratio meaningless.
 *
 *   npm run bench:exporters [-- --seconds 8 --concurrency 8 --rounds 3 --compression gzip --profile DIR]
 *
 * --compression sets both OTLP exporters' `compression` (default: not set, so the config default —
 * `auto`, which sends uncompressed to these loopback sinks); `gzip` measures what a remote target costs.
 *
 * Target (issue 15): ingest with 3 exporters ≥ 0.9× without them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { startWitness } from '../test/helpers/witness-process.js';
import { BATCH_SPANS } from './ingest-payload.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const seconds = Number(arg('seconds', '8'));
const concurrency = Number(arg('concurrency', '8'));
const rounds = Number(arg('rounds', '3'));
const compression = arg('compression', '');
/** A directory: each server writes a V8 CPU profile there on exit (--cpu-prof), to see where the time went. */
const profileDir = arg('profile', '');

interface LoadResult {
  spans: number;
  seconds: number;
  rejected: number;
  failed: number;
}

function runLoad(url: string): Promise<LoadResult> {
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

/** The sinks: an HTTP server taking OTLP and remote write, a gRPC server taking OTLP; both answer at once. */
async function startSinks(): Promise<{
  http: string;
  grpc: string;
  received: () => number;
  close: () => Promise<void>;
}> {
  let requests = 0;
  const http: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const grpc = new GrpcServer();
  const id = (b: Buffer) => b;
  for (const path of [
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  ])
    grpc.register(
      path,
      (_call: unknown, cb: (e: null, b: Buffer) => void) => {
        requests++;
        cb(null, Buffer.alloc(0));
      },
      id,
      id,
      'unary',
    );
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    http: `http://127.0.0.1:${(http.address() as { port: number }).port}`,
    grpc: `http://127.0.0.1:${grpcPort}`,
    received: () => requests,
    close: async () => {
      grpc.forceShutdown();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/**
 * CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux). On this
 * shared machine the throughput of one run depends on what else the scheduler runs; the CPU a server
 * spends per stored span does not, so it is printed beside the throughput ratio.
 */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
  return (f[11]! + f[12]!) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** How long after the load both sides are left before their CPU is read (the exporters' drain included). */
const SETTLE_MS = 8000;

interface ExporterView {
  name: string;
  sent: number;
  dropped: number;
  queue: { records: number; oldestAgeSeconds: number };
}

async function through(
  exporters: boolean,
  sinks: { http: string; grpc: string },
): Promise<{ rate: number; cpuMsPer1k: number; views: ExporterView[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-bench-exp-'));
  const config = join(dataDir, '..', `${dataDir.split('/').at(-1)}.yaml`);
  const common = { batch: { maxItems: 2000, timeoutMs: 1000 } };
  const otlp = compression ? { compression } : {};
  writeFileSync(
    config,
    JSON.stringify({
      exporters: exporters
        ? [
            { name: 'otlp-http', type: 'otlp', endpoint: sinks.http, ...otlp, ...common },
            { name: 'otlp-grpc', type: 'otlp', protocol: 'grpc', endpoint: sinks.grpc, ...otlp, ...common },
            {
              name: 'remote-write',
              type: 'prometheus_remote_write',
              url: `${sinks.http}/api/v1/write`,
              intervalMs: 5000,
              ...common,
            },
          ]
        : [],
    }),
  );
  const w = await startWitness({
    dataDir,
    args: ['--config', config],
    // --cpu-prof is refused in NODE_OPTIONS: the server's node is exec'd with it by a shell
    ...(profileDir
      ? {
          prefix: [
            '/bin/sh',
            '-c',
            `exec "$0" --cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-name=${exporters ? 'on' : 'off'}-${Date.now()}.cpuprofile "$@"`,
          ],
        }
      : {}),
  });
  try {
    const pid = w.child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const l = await runLoad(w.url);
    // the CPU figure counts the shipping of what was ingested: wait (≤ 60 s) until the queues are
    // empty — and both sides at least SETTLE_MS, so what the server does after a load either way
    // (the store's checkpoint, timers) is counted on both sides alike
    const loadEnd = Date.now();
    const views0 = async () =>
      ((await (await fetch(`${w.url}/api/exporters`)).json()) as { exporters: ExporterView[] }).exporters;
    const lagging = exporters ? await views0() : [];
    for (let deadline = Date.now() + 60_000; exporters && Date.now() < deadline; ) {
      if ((await views0()).every((v) => v.queue.records === 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const settle = SETTLE_MS - (Date.now() - loadEnd);
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    if (Date.now() - loadEnd > SETTLE_MS + 500)
      console.log(
        `    (the exporters needed ${((Date.now() - loadEnd) / 1000).toFixed(1)} s after the load to drain)`,
      );
    const cpuMsPer1k = ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, l.spans);
    if (l.failed > 0) throw new Error(`${l.failed} requests failed (exporters ${exporters ? 'on' : 'off'})`);
    if (l.rejected > 0)
      console.warn(`  exporters ${exporters ? 'on' : 'off'}: ${l.rejected} requests answered 429/503`);
    return { rate: l.spans / l.seconds, cpuMsPer1k, views: lagging };
  } finally {
    await w.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(config, { force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sinks = await startSinks();
const off: number[] = [];
const on: number[] = [];
const cpuOff: number[] = [];
const cpuOn: number[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    // alternate which goes first, so a drift in the machine's load does not favour one side
    const order = r % 2 === 0 ? [false, true] : [true, false];
    for (const withExporters of order) {
      const sinkCpu0 = process.cpuUsage();
      const { rate, cpuMsPer1k, views } = await through(withExporters, sinks);
      if (withExporters) {
        // the sinks run in this process: on two cores their CPU is taken from the server's
        const c = process.cpuUsage(sinkCpu0);
        console.log(`    the sinks (this process) used ${((c.user + c.system) / 1e6).toFixed(2)} s of CPU`);
      }
      (withExporters ? on : off).push(rate);
      (withExporters ? cpuOn : cpuOff).push(cpuMsPer1k);
      for (const v of views)
        console.log(
          `    ${v.name}: ${fmt(v.sent)} records shipped, ${fmt(v.queue.records)} queued (lag ${v.queue.oldestAgeSeconds.toFixed(1)} s) at the end, ${fmt(v.dropped)} dropped`,
        );
    }
    console.log(
      `  round ${r + 1}: no exporters ${fmt(off[r]!)}, 3 exporters ${fmt(on[r]!)} spans/s; server CPU ${cpuOff[r]!.toFixed(0)} vs ${cpuOn[r]!.toFixed(0)} ms per 1000 spans`,
    );
  }
} finally {
  await sinks.close();
}
const ratio = median(on.map((v, i) => v / off[i]!));
console.log(
  `bench:exporters  ${BATCH_SPANS} spans/batch, ${concurrency} requests in flight, ${seconds} s per server, medians of ${rounds} rounds, OTLP compression ${compression || 'default (auto: none to loopback)'}`,
);
console.log(`  no exporters:              ${fmt(median(off))} spans/s`);
console.log(`  3 exporters (otlp http, otlp grpc, remote write): ${fmt(median(on))} spans/s`);
console.log(
  `  median per-round ratio:    ${ratio.toFixed(3)}×  (target ≥ 0.9×; ratio of the medians ${(median(on) / median(off)).toFixed(3)})`,
);
console.log(`  the sinks took ${fmt(sinks.received())} requests`);
const cpuRatio = median(cpuOff.map((v, i) => v / cpuOn[i]!));
console.log(
  `  server CPU per 1000 spans (all threads, shipping included): no exporters ${median(cpuOff).toFixed(0)} ms, 3 exporters ${median(cpuOn).toFixed(0)} ms; CPU-bound ratio ${cpuRatio.toFixed(3)}× (what throughput would be if the server had the CPU to itself: cost without / cost with)`,
);
