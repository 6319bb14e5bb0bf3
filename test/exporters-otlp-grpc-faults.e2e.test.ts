/**
 * The OTLP/gRPC exporter under the faults of issue 15 that a gRPC target can have beyond the status
 * codes of exporters-otlp-grpc.e2e (UNAVAILABLE, RESOURCE_EXHAUSTED + RetryInfo, INVALID_ARGUMENT):
 * the HTTP fault proxy of the fault matrix speaks HTTP/1.1 only, so the faults are made by the gRPC
 * server itself — a real @grpc/grpc-js server (its defaults, so its 4 MiB message limit too) implementing
 * opentelemetry.proto.collector.trace.v1.TraceService/Export, decoding every request with the
 * opentelemetry-proto schema of packages/sdk/test (not the exporter's encoder) and counting each span id
 * it stores. It stores a request only if the client still waits for the answer (what a server that
 * honours its call's cancellation does), and answers after 5 s when slow; "down" is the server shut down
 * (forceShutdown) and bound again on the same port. The sources are real `witness serve --config`
 * processes fed over OTLP/HTTP, so ingest latency is the client's, and a restart is a process restart on
 * the same data dir. The four cases run side by side (the 60 s outage bounds the file's time):
 * - 5 s answers (the attempt timeout is 10 s): every span once, no failed attempt, ingest latency as with
 *   the target fast; the server sees the exporter's deadline;
 * - 5 s answers against a 2 s timeout: each attempt given up at its deadline and retried, nothing stored
 *   twice, every span once when the target is fast again;
 * - down 60 s with the source restarted 20 s in: what was queued read back from disk; the backlog (over
 *   4 MiB) delivered in requests the server's 4 MiB limit takes, starting within seconds of the target
 *   coming back; every span once; ingest latency as with the target up;
 * - a flood while down into a 256 KiB queue: the queue never above its bound, drops counted,
 *   delivered + dropped = offered, each delivered span once.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type ServerUnaryCall, ServerCredentials, type sendUnaryData, status } from '@grpc/grpc-js';
import { afterAll, describe, type ExpectStatic, it } from 'vitest';
import { decodeTraces } from '../packages/sdk/test/otlp-schema.js';
import { getJson } from './helpers/otel.js';
import { postChatSpans } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';
import { until } from './helpers/until.js';

/** The outage of the restart case (60 s, as issue 15 asks; shorter only when debugging). */
const OUTAGE_MS = Number(process.env.EXPORTERS_OUTAGE_MS ?? 60_000);
const SLOW_MS = 5000;
const MiB = 1024 * 1024;
/** grpc-js's (and grpc-go's, so the Collector's and Tempo's) default max receive message size. */
const GRPC_DEFAULT_MAX_MESSAGE = 4 * MiB;

interface Status {
  name: string;
  state: string;
  queue: { records: number; bytes: number; maxBytes: number };
  sent: number;
  failedAttempts: number;
  dropped: number;
  deadLettered: number;
  lastError: { message: string } | null;
}

interface Call {
  at: number;
  spans: number;
  bytes: number;
  /** The deadline the client sent (grpc-timeout), ms from arrival; null without one. */
  deadlineMs: number | null;
  outcome: 'stored' | 'client gone';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gRPC OTLP trace receiver whose answers the test controls; counts each span id it stores. */
class GrpcTarget {
  port = 0;
  mode: { kind: 'pass' } | { kind: 'slow'; ms: number } = { kind: 'pass' };
  readonly stored = new Map<string, number>();
  readonly calls: Call[] = [];
  private server: Server | null = null;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = new Server(); // grpc-js defaults: 4 MiB max receive message (after gunzip)
    server.register(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
        void this.handle(call, callback),
      (b: Buffer) => b,
      (b: Buffer) => b,
      'unary',
    );
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
  }

  /** Gone: the listening socket and every connection closed, as a crashed or stopped collector. */
  down(): void {
    this.server?.forceShutdown();
    this.server = null;
  }

  private async handle(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
    const at = Date.now();
    const d = call.getDeadline();
    const deadline = d instanceof Date ? d.getTime() : d;
    let ids: string[];
    try {
      ids = decodeTraces(call.request).map((s) => s.spanId);
    } catch (err) {
      callback({ code: status.INVALID_ARGUMENT, details: `undecodable: ${(err as Error).message}` });
      return;
    }
    const mode = this.mode;
    if (mode.kind === 'slow') await sleep(mode.ms);
    const call_: Call = {
      at,
      spans: ids.length,
      bytes: call.request.length,
      deadlineMs: Number.isFinite(deadline) ? deadline - at : null,
      outcome: 'stored',
    };
    if (call.cancelled) {
      // the client gave up (its deadline passed or it cancelled): a server honouring that stores nothing
      this.calls.push({ ...call_, outcome: 'client gone' });
      return;
    }
    for (const id of ids) this.stored.set(id, (this.stored.get(id) ?? 0) + 1);
    this.calls.push(call_);
    callback(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse: all accepted
  }
}

const dirs: string[] = [];
const procs = new Set<WitnessProcess>();
const targets: GrpcTarget[] = [];

afterAll(async () => {
  for (const p of procs) await p.stop();
  for (const t of targets) t.down();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function target(): Promise<GrpcTarget> {
  const t = new GrpcTarget();
  await t.up();
  targets.push(t);
  return t;
}

/** A source Witness forwarding over gRPC to `t`; the same data dir again for a restart. */
async function startSource(
  t: GrpcTarget,
  exporter: Record<string, unknown>,
  dataDir?: string,
): Promise<WitnessProcess> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'witness-grpcf-'));
  if (!dataDir) dirs.push(dir);
  const configFile = `${dir}.yaml`;
  if (!dataDir) dirs.push(configFile);
  writeFileSync(
    configFile,
    JSON.stringify({
      exporters: [
        {
          name: 'grpc',
          type: 'otlp',
          protocol: 'grpc',
          endpoint: t.endpoint,
          batch: { maxItems: 100, timeoutMs: 100 },
          retry: { initialBackoffMs: 200, maxBackoffMs: 2000 },
          ...exporter,
        },
      ],
    }),
  );
  const w = await startWitness({ args: ['--config', configFile], dataDir: dir, startTimeoutMs: 60_000 });
  procs.add(w);
  return w;
}

async function stopSource(w: WitnessProcess): Promise<void> {
  await w.kill('SIGTERM'); // graceful: what is staged is written, the queue stays on disk
  procs.delete(w);
}

async function statusOf(w: WitnessProcess): Promise<Status> {
  const r = await getJson<{ exporters: Status[] }>(`${w.url}/api/exporters`);
  if (r.status !== 200) throw new Error(`/api/exporters answered ${r.status}`);
  return r.body.exporters[0];
}

/** Posts `n` spans in one OTLP/HTTP request; the ids and how long the answer took. */
const post = (w: WitnessProcess, service: string, n: number, pad = 0) =>
  postChatSpans(w.url, service, n, pad);

/** `count` sequential posts of `n` spans, `gapMs` apart: their latencies and the ids. */
async function posts(w: WitnessProcess, service: string, count: number, n: number, gapMs = 0, pad = 0) {
  const ms: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await post(w, service, n, pad);
    ms.push(r.ms);
    ids.push(...r.ids);
    if (gapMs > 0) await sleep(gapMs);
  }
  return { ms, ids, spansPerS: ids.length / ((performance.now() - t0 - gapMs * count) / 1000) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Posts = Awaited<ReturnType<typeof posts>>;
/**
 * Median ingest latency during the fault over the median with the target up (before and after it),
 * posted at the same pace (back-to-back posts wait on the previous one's commit: slower).
 */
function latencyRatio(label: string, fault: string, up: Posts[], during: Posts): number {
  const upMs = up.flatMap((p) => p.ms);
  const ratio = median(during.ms) / median(upMs);
  const rate = (ps: Posts[]) => (ps.reduce((n, p) => n + p.spansPerS, 0) / ps.length).toFixed(0);
  console.log(
    `[${label}] ingest median ${median(upMs).toFixed(1)} ms (${rate(up)} spans/s; before ${median(up[0].ms).toFixed(1)}, after ${median(up[1].ms).toFixed(1)}) with the target up, ${median(during.ms).toFixed(1)} ms (${rate([during])} spans/s) ${fault} (×${ratio.toFixed(2)})`,
  );
  return ratio;
}

/**
 * Samples a source's queue size (via /api/exporters) and resident memory (/proc) every 250 ms, across
 * restarts (`watch.source` is swapped); a sample that fails while the process restarts is skipped.
 */
function watch(source: WitnessProcess) {
  const w = {
    source,
    maxQueueBytes: 0,
    rssMiB: [] as number[],
    stopped: false,
    done: Promise.resolve(),
  };
  w.done = (async () => {
    while (!w.stopped) {
      try {
        const st = await statusOf(w.source);
        w.maxQueueBytes = Math.max(w.maxQueueBytes, st.queue.bytes);
        const vm = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${w.source.child.pid}/status`, 'utf8'));
        if (vm) w.rssMiB.push(Number(vm[1]) / 1024);
      } catch {
        // restarting
      }
      await sleep(250);
    }
  })();
  return w;
}

function expectEachOnce(expect: ExpectStatic, t: GrpcTarget, ids: readonly string[], label: string): void {
  const missing = ids.filter((id) => !t.stored.has(id));
  const twice = ids.filter((id) => (t.stored.get(id) ?? 0) > 1);
  expect({ label, missing: missing.length, twice: twice.length }).toEqual({ label, missing: 0, twice: 0 });
}

/** The cases that measure ingest latency signal here when done: the flood waits, not to skew them. */
const measured: Array<Promise<void>> = [];
function measuring(): () => void {
  let done = () => {};
  measured.push(new Promise<void>((r) => (done = r)));
  return done;
}
const measuringSlow = measuring();
const measuringDown = measuring();

describe.concurrent('OTLP/gRPC exporter under faults', () => {
  it('5 s answers (timeout 10 s): ingest latency as with a fast target, every span once, the deadline sent', async ({
    expect,
  }) => {
    const t = await target();
    const src = await startSource(t, { timeoutMs: 10_000 });
    const watcher = watch(src);
    try {
      // unmeasured first posts: a fresh process's first answers (JIT, first store writes) are slower
      const warm = await posts(src, 'grpc-slow', 10, 20);
      const base = await posts(src, 'grpc-slow', 15, 20, 100);
      await until(
        'the baseline delivered and acknowledged',
        async () => base.ids.every((id) => t.stored.has(id)) && (await statusOf(src)).queue.records === 0,
      );
      t.mode = { kind: 'slow', ms: SLOW_MS };
      const slowFrom = Date.now();
      const slow = await posts(src, 'grpc-slow', 15, 20, 100);
      expect(['sending', 'batching']).toContain((await statusOf(src)).state);
      const ids = [...warm.ids, ...base.ids, ...slow.ids];
      await until('every span through the slow target', () => ids.every((id) => t.stored.has(id)), 120_000);
      await until('queue empty', async () => (await statusOf(src)).queue.records === 0);
      // the baseline again, fast: "with the target fast" is measured before and after the fault
      t.mode = { kind: 'pass' };
      const again = await posts(src, 'grpc-slow', 15, 20, 100);
      measuringSlow();
      ids.push(...again.ids);
      const ratio = latencyRatio('slow', 'with 5 s answers', [base, again], slow);
      expect(ratio).toBeLessThan(3);
      await until('the second baseline delivered', () => ids.every((id) => t.stored.has(id)));
      const end = await until('queue empty', async () => {
        const s = await statusOf(src);
        return s.queue.records === 0 ? s : undefined;
      });
      expectEachOnce(expect, t, ids, 'slow');
      expect(end).toMatchObject({ sent: 1100, failedAttempts: 0, dropped: 0, deadLettered: 0 });
      const slowCalls = t.calls.filter((c) => c.at >= slowFrom);
      expect(slowCalls.length).toBeGreaterThan(0);
      expect(slowCalls.every((c) => c.outcome === 'stored')).toBe(true);
      // the exporter's attempt timeout travels as the gRPC deadline (grpc-timeout): ≈ 10 s
      for (const c of t.calls) expect(c.deadlineMs).toBeGreaterThan(SLOW_MS);
      for (const c of t.calls) expect(c.deadlineMs).toBeLessThanOrEqual(10_000);
      expect(watcher.maxQueueBytes).toBeLessThanOrEqual(end.queue.maxBytes);
    } finally {
      measuringSlow();
      watcher.stopped = true;
      await watcher.done;
    }
  }, 240_000);

  it('5 s answers against a 2 s timeout: each attempt given up at its deadline, retried, stored once when the target is fast again', async ({
    expect,
  }) => {
    const t = await target();
    t.mode = { kind: 'slow', ms: SLOW_MS };
    const src = await startSource(t, {
      timeoutMs: 2000,
      retry: { initialBackoffMs: 200, maxBackoffMs: 1000 },
    });
    const { ids } = await posts(src, 'grpc-deadline', 5, 20);
    await until(
      'three attempts given up by the client',
      () => t.calls.filter((c) => c.outcome === 'client gone').length >= 3,
    );
    const during = await statusOf(src);
    expect(during.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(during.lastError?.message).toMatch(/DEADLINE_EXCEEDED|timed out/);
    expect(during.deadLettered).toBe(0);
    expect(t.stored.size).toBe(0);
    t.mode = { kind: 'pass' };
    await until('delivered once the target is fast', () => ids.every((id) => t.stored.has(id)));
    const end = await until('queue empty', async () => {
      const s = await statusOf(src);
      return s.queue.records === 0 ? s : undefined;
    });
    expectEachOnce(expect, t, ids, 'deadline');
    expect(end).toMatchObject({ sent: 100, dropped: 0, deadLettered: 0 });
    const gone = t.calls.filter((c) => c.outcome === 'client gone');
    console.log(
      `[deadline] the batch reached the server ${t.calls.length} times (${gone.length} given up by the client at its deadline, deadlines ${[...new Set(t.calls.map((c) => (c.deadlineMs === null ? 'none' : `${Math.round(c.deadlineMs / 100) / 10} s`)))].join(', ')}); stored once`,
    );
    // the server was told when the client would stop waiting
    for (const c of t.calls) expect(c.deadlineMs).toBeLessThanOrEqual(2000);
    for (const c of t.calls) expect(c.deadlineMs).toBeGreaterThan(500); // arrival waits on this busy process
  }, 240_000);

  it('down 60 s, the source restarted 20 s in: resumes from its disk queue, the >4 MiB backlog fits the server limit, every span once, ingest latency as up', async ({
    expect,
  }) => {
    const t = await target();
    const exporter = {
      batch: { maxItems: 2000, timeoutMs: 100 },
      queue: { maxBytes: 32 * MiB },
      timeoutMs: 10_000,
    };
    let src = await startSource(t, exporter);
    const dataDir = src.dataDir;
    const watcher = watch(src);
    try {
      const warm = await posts(src, 'grpc-down', 10, 20);
      const base = await posts(src, 'grpc-down', 15, 20, 200);
      await until(
        'the baseline delivered and acknowledged',
        async () => base.ids.every((id) => t.stored.has(id)) && (await statusOf(src)).queue.records === 0,
      );
      const downAt = Date.now();
      t.down();
      const during = await posts(src, 'grpc-down', 15, 20, 200);
      measuringDown();
      // a backlog of large spans: 2,000 of them (batch.maxItems) are ~6 MiB, over the server's 4 MiB
      const backlog = await posts(src, 'grpc-down', 30, 100, 0, 3000);
      const queued = await until('3,300 queued and retrying', async () => {
        const s = await statusOf(src);
        return s.queue.records === 3300 && s.failedAttempts > 0 ? s : undefined;
      });
      expect(queued.lastError?.message).toMatch(/UNAVAILABLE/);
      expect(queued.queue.bytes).toBeGreaterThan(GRPC_DEFAULT_MAX_MESSAGE);

      await sleep(Math.max(0, OUTAGE_MS / 3 - (Date.now() - downAt)));
      await stopSource(src);
      src = await startSource(t, exporter, dataDir);
      watcher.source = src;
      const resumed = await statusOf(src);
      expect(resumed.queue.records).toBe(3300);
      expect(resumed.sent).toBe(0);
      const after = await posts(src, 'grpc-down', 5, 20);
      await until('3,400 queued after the restart', async () => (await statusOf(src)).queue.records === 3400);

      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
      expect(t.stored.size).toBe(500);
      const upAt = Date.now();
      await t.up();
      const ids = [...warm.ids, ...base.ids, ...during.ids, ...backlog.ids, ...after.ids];
      await until(
        'everything delivered after recovery',
        () => ids.every((id) => t.stored.has(id)),
        90_000,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message}: ${ids.filter((id) => t.stored.has(id)).length}/${ids.length} arrived; ${JSON.stringify(await statusOf(src))}`,
        );
      });
      const recoveredS = (Date.now() - upAt) / 1000;
      const end = await until('queue empty', async () => {
        const s = await statusOf(src);
        return s.queue.records === 0 ? s : undefined;
      });
      expectEachOnce(expect, t, ids, 'down');
      expect(end).toMatchObject({ sent: 3400, dropped: 0, deadLettered: 0 });
      // the baseline again, the target up (a restarted process: warmed up by the 3,400 it shipped)
      const again = await posts(src, 'grpc-down', 15, 20, 200);
      const ratio = latencyRatio('down', 'with it down', [base, again], during);
      expect(ratio).toBeLessThan(3);
      await until('the second baseline delivered', () => again.ids.every((id) => t.stored.has(id)));
      expectEachOnce(expect, t, [...ids, ...again.ids], 'down');
      const after_ = t.calls.filter((c) => c.at >= upAt);
      const largest = Math.max(...after_.map((c) => c.bytes));
      const firstS = (after_[0].at - upAt) / 1000;
      console.log(
        `[down] outage ${((upAt - downAt) / 1000).toFixed(1)} s; 3,400 spans delivered ${recoveredS.toFixed(1)} s after the target came back (the first request ${firstS.toFixed(1)} s after), in ${after_.length} requests (largest ${(largest / MiB).toFixed(2)} MiB); largest queue ${(watcher.maxQueueBytes / MiB).toFixed(2)} MiB (bound 32); RSS ${Math.min(...watcher.rssMiB).toFixed(0)}–${Math.max(...watcher.rssMiB).toFixed(0)} MiB`,
      );
      expect(largest).toBeLessThanOrEqual(GRPC_DEFAULT_MAX_MESSAGE);
      // the exporter retries every ≤ 2 s (retry.maxBackoffMs); the channel must not wait longer to
      // reconnect (grpc-js's own backoff had it 15–26 s after this outage)
      expect(firstS).toBeLessThan(10);
      expect(watcher.maxQueueBytes).toBeLessThanOrEqual(32 * MiB);
    } finally {
      measuringDown();
      watcher.stopped = true;
      await watcher.done;
    }
  }, 300_000);

  it('a flood while down into a 256 KiB queue: never above the bound, drops counted, the rest once', async ({
    expect,
  }) => {
    const t = await target();
    const maxBytes = 256 * 1024;
    const src = await startSource(t, { queue: { maxBytes, dropPolicy: 'oldest' } });
    const watcher = watch(src);
    try {
      t.down();
      // not while the other cases measure ingest latency: this one loads the machine on purpose
      await Promise.race([Promise.all(measured), new Promise((r) => setTimeout(r, 90_000).unref())]);
      // 100 requests of 10 spans with 1 KB each: ~1 MB into a 256 KiB queue
      const flood = await posts(src, 'grpc-flood', 100, 10, 0, 1000);
      const st = await until('drops counted', async () => {
        const s = await statusOf(src);
        return s.dropped > 0 && s.queue.records + s.dropped === 1000 ? s : undefined;
      });
      expect(st.queue.bytes).toBeLessThanOrEqual(maxBytes);
      const heldRss = watcher.rssMiB.at(-1) ?? 0;
      await t.up();
      const end = await until('queue drained', async () => {
        const s = await statusOf(src);
        return s.queue.records === 0 && s.state !== 'retrying' ? s : undefined;
      });
      expect(end.sent + end.dropped).toBe(1000);
      expect(t.stored.size).toBe(end.sent);
      expect([...t.stored.values()].every((n) => n === 1)).toBe(true);
      // drop-oldest: what went missing is what was counted; the newest arrived
      expect(flood.ids.filter((id) => !t.stored.has(id)).length).toBe(end.dropped);
      expect(flood.ids.slice(-20).every((id) => t.stored.has(id))).toBe(true);
      console.log(
        `[flood] 1,000 spans (~1 MB) into a 256 KiB queue while down: ${end.dropped} dropped and counted, ${end.sent} delivered once; largest queue ${watcher.maxQueueBytes} B; RSS ${Math.min(...watcher.rssMiB).toFixed(0)}–${Math.max(...watcher.rssMiB).toFixed(0)} MiB (${heldRss.toFixed(0)} holding the full queue)`,
      );
      expect(watcher.maxQueueBytes).toBeLessThanOrEqual(maxBytes);
    } finally {
      watcher.stopped = true;
      await watcher.done;
    }
  }, 240_000);
});
