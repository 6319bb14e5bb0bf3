/**
 * The OTLP/HTTP exporter against the most real receiver here: a second `witness serve`, behind a proxy
 * that injects faults (down, slow, 429/503 with Retry-After, 400). The source is a real `witness serve
 * --config` fed by the official OpenTelemetry SDK and by plain OTLP posts; every forwarded request is
 * decoded with the opentelemetry-proto schema of packages/sdk/test (not the exporter's own), so each
 * span is checked to arrive exactly once, or to be counted as dropped or dead-lettered.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraces } from '../packages/sdk/test/otlp-schema.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { getJson, loggerProvider, tracerProvider } from './helpers/otel.js';
import { postChatSpans } from './helpers/otlp-proto.js';
import { CLI_MAIN, startWitness, type WitnessProcess } from './helpers/witness-process.js';
import { until } from './helpers/until.js';

interface Status {
  name: string;
  state: string;
  queue: { records: number; bytes: number; oldestAgeSeconds: number; maxBytes: number };
  sent: number;
  failedAttempts: number;
  dropped: number;
  deadLettered: number;
  lastError: { message: string; status: number | null } | null;
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A source Witness forwarding to `endpoint`; the same `dataDir` and config file again for a restart. */
async function startSource(
  endpoint: string,
  exporter: Record<string, unknown> = {},
  dataDir = tempDir('witness-exp-src-'),
): Promise<WitnessProcess & { configFile: string }> {
  const configFile = join(dataDir, '..', `${dataDir.split('/').at(-1)}.yaml`);
  // JSON is YAML
  writeFileSync(
    configFile,
    JSON.stringify({
      exporters: [
        {
          name: 'fwd',
          type: 'otlp',
          endpoint,
          headers: { 'x-scope-orgid': 'team-a' },
          secretHeaders: { authorization: { env: 'FWD_AUTH' } },
          batch: { maxItems: 100, timeoutMs: 100 },
          retry: { initialBackoffMs: 100, maxBackoffMs: 1000, maxRetryAfterMs: 5000 },
          timeoutMs: 10_000,
          ...exporter,
        },
      ],
    }),
  );
  const w = await startWitness({
    args: ['--config', configFile],
    dataDir,
    env: { FWD_AUTH: 'Bearer s3cret-from-env' },
  });
  return Object.assign(w, { configFile });
}

async function status(w: WitnessProcess): Promise<Status> {
  const r = await getJson<{ exporters: Status[] }>(`${w.url}/api/exporters`);
  expect(r.status).toBe(200);
  return r.body.exporters[0];
}

/** Span ids the receiver accepted, with how many times each arrived. */
const decoded = new WeakMap<object, string[]>();
function delivered(proxy: FaultProxy): Map<string, number> {
  const seen = new Map<string, number>();
  for (const f of proxy.accepted) {
    if (f.path !== '/v1/traces') continue;
    // each request decoded once: the proxy shares this process, and polling must not starve it
    let ids = decoded.get(f);
    if (!ids) {
      ids = decodeTraces(f.body).map((s) => s.spanId);
      decoded.set(f, ids);
    }
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

/** Posts `n` spans in one OTLP request; resolves to the ids and how long the answer took. */
const post = (w: WitnessProcess, n: number, pad = 0) => postChatSpans(w.url, 'exp-e2e', n, pad);

/** The outage of the restart test (60 s, as issue 15 asks; shorter only when debugging). */
const OUTAGE_MS = Number(process.env.EXPORTERS_OUTAGE_MS ?? 60_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function expectExactlyOnce(proxy: FaultProxy, ids: readonly string[]): void {
  const got = delivered(proxy);
  const missing = ids.filter((id) => !got.has(id));
  const twice = ids.filter((id) => (got.get(id) ?? 0) > 1);
  expect(
    { missing: missing.length, twice: twice.length },
    `requests the proxy saw: ${JSON.stringify(proxy.seen.map((s) => [s.status, s.at % 100_000]))}`,
  ).toEqual({ missing: 0, twice: 0 });
}

describe('OTLP/HTTP exporter to a second Witness', () => {
  let target: WitnessProcess;

  beforeAll(async () => {
    target = await startWitness();
  }, 60_000);

  afterAll(async () => {
    await target?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('forwards spans and logs, redacted, with custom and secret headers, gzip; the target stores them', async () => {
    const proxy = new FaultProxy(target.url);
    await proxy.start();
    // gzip asked for: the default (auto) does not compress to a loopback target like this one
    const src = await startSource(proxy.url, { compression: 'gzip' });
    try {
      const tp = tracerProvider(src.url, 'exp-sdk');
      const tracer = tp.getTracer('e2e');
      const traceIds = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const s = tracer.startSpan('chat gpt-4o', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.prompt': `mail alice${i}@example.com the report`,
          },
        });
        traceIds.add(s.spanContext().traceId);
        s.end();
      }
      await tp.forceFlush();
      await tp.shutdown();
      const lp = loggerProvider(src.url, 'exp-sdk');
      for (let i = 0; i < 5; i++)
        lp.getLogger('e2e').emit({ body: `log ${i} from bob@example.com`, severityText: 'INFO' });
      await lp.forceFlush();
      await lp.shutdown();

      await until('20 spans at the target', () => delivered(proxy).size === 20);
      const logsReq = await until('logs at the target', () =>
        proxy.accepted.find((f) => f.path === '/v1/logs'),
      );
      const tracesReq = proxy.accepted.find((f) => f.path === '/v1/traces');
      expect(tracesReq?.headers['x-scope-orgid']).toBe('team-a');
      expect(tracesReq?.headers.authorization).toBe('Bearer s3cret-from-env');
      expect(tracesReq?.headers['content-encoding']).toBe('gzip');
      expect(tracesReq?.headers['content-type']).toBe('application/x-protobuf');
      // redaction ran before export: the address never leaves the source
      const all = proxy.accepted.map((f) => f.body.toString('latin1')).join('');
      expect(all).not.toContain('@example.com');
      expect(logsReq.body.toString('latin1')).toContain('<');
      const spans = proxy.accepted
        .filter((f) => f.path === '/v1/traces')
        .flatMap((f) => decodeTraces(f.body));
      expect(spans[0].resource['service.name']).toBe('exp-sdk');
      expect(String(spans[0].attributes['gen_ai.prompt'])).toMatch(/^mail <.+> the report$/);

      // the target's own API has them
      const [firstTrace] = [...traceIds];
      const got = await until('the trace at the target', async () => {
        const r = await getJson<{ spans: Array<{ name: string; model: string | null }> }>(
          `${target.url}/api/traces/${firstTrace}`,
        );
        return r.status === 200 ? r.body : undefined;
      });
      expect(got.spans[0].model).toBe('gpt-4o');

      const st = await until('sent 25', async () => {
        const s = await status(src);
        return s.sent === 25 ? s : undefined;
      });
      expect(st).toMatchObject({ name: 'fwd', dropped: 0, deadLettered: 0 });
      // the CLI reads the same from the running server
      const cli = execFileSync(process.execPath, [CLI_MAIN, 'exporters', 'status', '--url', src.url], {
        encoding: 'utf8',
      });
      expect(cli).toMatch(/^NAME\s+TYPE\s+STATE\s+QUEUED\s+LAG\s+SENT/);
      expect(cli).toMatch(/\nfwd\s+otlp\s+idle\s+0\s+0s\s+25\s+0\s+0\s+0\s+-/);
      const metrics = await (await fetch(`${src.url}/metrics`)).text();
      expect(metrics).toContain(
        'witness_exporter_sent_records_total{exporter="fwd",type="otlp",signal="spans"} 20',
      );
      expect(metrics).toContain(
        'witness_exporter_sent_records_total{exporter="fwd",type="otlp",signal="logs"} 5',
      );
      expect(metrics).toMatch(/witness_exporter_queue_records\{exporter="fwd",type="otlp"\} 0/);
      expect(metrics).toMatch(
        /witness_exporter_request_duration_seconds_count\{exporter="fwd",type="otlp",outcome="success"\} [1-9]/,
      );
    } finally {
      await src.stop();
      await proxy.close();
    }
  }, 90_000);

  it('429 and 503 are retried after their Retry-After; 400 goes to the dead-letter file; each span lands once', async () => {
    const proxy = new FaultProxy(target.url);
    await proxy.start();
    const src = await startSource(proxy.url);
    try {
      proxy.set({ kind: 'answer', status: 429, retryAfter: '1', times: 1 });
      const a = await post(src, 10);
      await until('the 429 batch delivered', () => a.ids.every((id) => delivered(proxy).has(id)));
      const i429 = proxy.seen.findIndex((s) => s.status === 429);
      const after429 = proxy.seen[i429 + 1];
      // Retry-After: 1 — the retry came at least a second later (not at the 100 ms initial backoff)
      expect(after429.at - proxy.seen[i429].at).toBeGreaterThanOrEqual(950);

      proxy.set({ kind: 'answer', status: 503, retryAfter: '1', times: 2 });
      const b = await post(src, 10);
      await until('the 503 batch delivered', () => b.ids.every((id) => delivered(proxy).has(id)));

      proxy.set({ kind: 'answer', status: 400, times: 1 });
      const c = await post(src, 5);
      const st = await until('5 dead-lettered', async () => {
        const s = await status(src);
        return s.deadLettered === 5 ? s : undefined;
      });
      expect(st.lastError?.status).toBe(400);
      const dl = readFileSync(join(src.dataDir, 'exporters', 'fwd', 'dead-letter.ndjson'), 'utf8')
        .trim()
        .split('\n');
      expect(dl).toHaveLength(1);
      const entry = JSON.parse(dl[0]) as {
        status: number;
        items: number;
        batches: Array<{ spans: Array<{ spanId: string }> }>;
      };
      expect(entry).toMatchObject({ status: 400, items: 5 });
      expect(entry.batches.flatMap((x) => x.spans.map((s) => s.spanId)).sort()).toEqual([...c.ids].sort());

      const d = await post(src, 5);
      await until('the next batch after the 400 delivered', () =>
        d.ids.every((id) => delivered(proxy).has(id)),
      );
      expectExactlyOnce(proxy, [...a.ids, ...b.ids, ...d.ids]);
      expect(c.ids.some((id) => delivered(proxy).has(id))).toBe(false);
      const end = await status(src);
      expect(end).toMatchObject({ sent: 25, deadLettered: 5, dropped: 0 });
      expect(end.failedAttempts).toBe(4); // one 429, two 503, one 400
    } finally {
      await src.stop();
      await proxy.close();
    }
  }, 90_000);

  it('a slow target (5 s answers) does not slow ingest; every span arrives once', async () => {
    const proxy = new FaultProxy(target.url);
    await proxy.start();
    const src = await startSource(proxy.url, { timeoutMs: 10_000 });
    try {
      const ids: string[] = [];
      const base: number[] = [];
      for (let i = 0; i < 15; i++) {
        const r = await post(src, 20);
        base.push(r.ms);
        ids.push(...r.ids);
      }
      await until('baseline delivered', () => ids.every((id) => delivered(proxy).has(id)));
      proxy.set({ kind: 'slow', ms: 5000 });
      const slow: number[] = [];
      for (let i = 0; i < 15; i++) {
        const r = await post(src, 20);
        slow.push(r.ms);
        ids.push(...r.ids);
        await new Promise((r) => setTimeout(r, 100));
      }
      const st = await status(src);
      expect(['sending', 'batching']).toContain(st.state);
      // loose: ingest answers stay in the same range while the exporter waits 5 s per request
      const ratio = median(slow) / median(base);
      console.log(
        `ingest median ${median(base).toFixed(1)} ms with a fast target, ${median(slow).toFixed(1)} ms with a 5 s target (×${ratio.toFixed(2)})`,
      );
      expect(ratio).toBeLessThan(3);
      await until(
        'all delivered through the slow target',
        () => ids.every((id) => delivered(proxy).has(id)),
        60_000,
      );
      expectExactlyOnce(proxy, ids);
    } finally {
      await src.stop();
      await proxy.close();
    }
  }, 120_000);

  it('target down for 60 s, the source restarted mid-outage: resumes from its disk queue, every span once', async () => {
    const proxy = new FaultProxy(target.url);
    await proxy.start();
    let src = await startSource(proxy.url);
    const dataDir = src.dataDir;
    try {
      const ids: string[] = [];
      const base: number[] = [];
      for (let i = 0; i < 15; i++) {
        const r = await post(src, 20);
        base.push(r.ms);
        ids.push(...r.ids);
      }
      await until('baseline delivered', () => ids.every((id) => delivered(proxy).has(id)));
      const downAt = Date.now();
      await proxy.down();
      const during: number[] = [];
      for (let i = 0; i < 15; i++) {
        const r = await post(src, 20);
        during.push(r.ms);
        ids.push(...r.ids);
        await new Promise((r) => setTimeout(r, 200));
      }
      const ratio = median(during) / median(base);
      console.log(
        `ingest median ${median(base).toFixed(1)} ms with the target up, ${median(during).toFixed(1)} ms with it down (×${ratio.toFixed(2)})`,
      );
      expect(ratio).toBeLessThan(3);
      const queued = await until('300 queued and retrying', async () => {
        const s = await status(src);
        return s.queue.records === 300 && s.state === 'retrying' ? s : undefined;
      });
      expect(queued.lastError?.message).toBeTruthy();
      expect(queued.failedAttempts).toBeGreaterThan(0);

      // restart mid-outage (graceful stop: what was staged is written; the queue stays on disk)
      await src.kill('SIGTERM');
      src = await startSource(proxy.url, {}, dataDir);
      const resumed = await status(src);
      expect(resumed.queue.records).toBe(300);
      for (let i = 0; i < 5; i++) ids.push(...(await post(src, 20)).ids);
      await until('400 queued after the restart', async () => (await status(src)).queue.records === 400);

      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      expect(delivered(proxy).size).toBe(300);
      await proxy.up();
      await until(
        'everything delivered after recovery',
        () => ids.every((id) => delivered(proxy).has(id)),
        30_000,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message}: ${delivered(proxy).size}/${ids.length} arrived; ${JSON.stringify(await status(src))}; proxy saw ${JSON.stringify(proxy.seen.slice(-5))}; log ${src.stderr().slice(-2000)}`,
        );
      });
      expectExactlyOnce(proxy, ids);
      const end = await until('queue empty', async () => {
        const s = await status(src);
        return s.queue.records === 0 ? s : undefined;
      });
      expect(end).toMatchObject({ sent: 400, dropped: 0, deadLettered: 0 });
    } finally {
      await src.stop();
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('a full queue drops the oldest, counts it, stays within its bound; the rest arrives once', async () => {
    const proxy = new FaultProxy(target.url);
    await proxy.start();
    const src = await startSource(proxy.url, { queue: { maxBytes: 64 * 1024, dropPolicy: 'oldest' } });
    try {
      await proxy.down();
      const ids: string[] = [];
      // 100 requests of 10 spans with 1 KB each: ~1 MB into a 64 KiB queue
      for (let i = 0; i < 100; i++) ids.push(...(await post(src, 10, 1000)).ids);
      const st = await until('drops counted', async () => {
        const s = await status(src);
        return s.dropped > 0 && s.queue.records + s.dropped === 1000 ? s : undefined;
      });
      expect(st.queue.bytes).toBeLessThanOrEqual(64 * 1024);
      await proxy.up();
      const end = await until('queue drained', async () => {
        const s = await status(src);
        return s.queue.records === 0 && s.state !== 'retrying' ? s : undefined;
      });
      const got = delivered(proxy);
      expect(end.sent + end.dropped).toBe(1000);
      expect(got.size).toBe(end.sent);
      expect([...got.values()].every((n) => n === 1)).toBe(true);
      // the oldest queued went (the batch in flight at the head is kept): the newest arrived
      const missing = ids.filter((id) => !got.has(id));
      expect(missing.length).toBe(end.dropped);
      expect(ids.slice(-20).every((id) => got.has(id))).toBe(true);
      const metrics = await (await fetch(`${src.url}/metrics`)).text();
      expect(metrics).toContain(
        `witness_exporter_dropped_records_total{exporter="fwd",type="otlp",reason="queue_full"} ${end.dropped}`,
      );
    } finally {
      await src.stop();
      await proxy.close();
    }
  }, 90_000);

  it('refuses to start when a secret header cannot be read, naming the exporter and variable', async () => {
    const dir = tempDir('witness-exp-bad-');
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        exporters: [
          {
            name: 'nokey',
            type: 'otlp',
            endpoint: 'http://127.0.0.1:9',
            secretHeaders: { 'api-key': { env: 'NOPE_KEY' } },
          },
        ],
      }),
    );
    await expect(startWitness({ args: ['--config', file], dataDir: join(dir, 'data') })).rejects.toThrow(
      /exporters\.nokey: the environment variable NOPE_KEY is not set/,
    );
    expect(existsSync(join(dir, 'data', 'exporters', 'nokey'))).toBe(false);
  }, 60_000);
});
