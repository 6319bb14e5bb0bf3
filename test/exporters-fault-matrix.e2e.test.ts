/**
 * The fault matrix of issue 15, through the exporter framework (ExporterHub: disk queue, batching,
 * retries, dead letters), for every HTTP exporter side by side — Elasticsearch, Splunk HEC, Loki,
 * CloudWatch Logs, OTLP/HTTP and Prometheus remote write — each to its receiver behind a FaultProxy:
 * - 429 and 503 (Retry-After: 1) answered twice: retried, Retry-After honoured, each record once;
 * - 400 once: the batch dead-lettered (file + count), never delivered, the next batch goes through;
 * - 5 s answers: delivered once (the attempt timeout is 10 s);
 * - the target down for 60 s, the hub closed and reopened on the same data dir 20 s in: what was queued
 *   before the restart is read back from disk and delivered with what came after, each record once;
 *   a flood while down fills the bounded queue: refused records are counted, sent + dropped = offered,
 *   the queue never passes its bound.
 * Receivers: the contract-checking stand-ins of test/helpers (ES, HEC, Loki, CloudWatch with SigV4
 * verified by the SDK's signer) and, for OTLP and remote write, in-process sinks decoding the requests
 * (the same exporters against a second Witness and a real Prometheus: exporters-otlp/remote-write e2e).
 * OTLP/gRPC is not here (the proxy speaks HTTP/1.1): its faults are in exporters-otlp-grpc.e2e.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { ExporterHub, type ExporterStatus } from '../packages/server/src/exporters/index.js';
import { WriteRequest } from '../packages/server/src/exporters/remote-write/remote-write-proto.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import type { MetricPoint } from '../packages/server/src/metrics/index.js';
import { emptyAgentFields, type SpanRecord } from '../packages/server/src/model/index.js';
import { decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { type CwReceiver, startCloudWatchLogsReceiver } from './helpers/cloudwatch-logs-receiver.js';
import { type EsReceiver, startEsReceiver } from './helpers/elasticsearch-receiver.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { type LokiReceiver, startLokiReceiver } from './helpers/loki-receiver.js';
import { TEST_CREDENTIALS, TEST_REGION } from './helpers/s3-server.js';
import { type HecReceiver, startHecReceiver } from './helpers/splunk-hec-receiver.js';
import { until as pollUntil } from './helpers/until.js';

const OUTAGE_MS = 60_000;
const QUEUE_MAX_BYTES = 512 * 1024;

// ---- records: every span and point carries an id seen again at the receiver ----
const T0 = Date.now();
let seq = 0;
const spanOf = (wave: number): SpanRecord => {
  const n = ++seq;
  const start = BigInt(T0 + n) * 1_000_000n;
  return {
    ...emptyAgentFields(),
    traceId: (0xabc000 + wave).toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: null,
    name: `op-${n}`,
    serviceName: 'svc',
    spanKind: 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1000n,
    statusCode: 'ok',
    statusMessage: '',
    attributes: { 'matrix.payload': 'x'.repeat(200) },
    resource: {},
    scopeName: '',
    scopeVersion: '',
    events: [],
    links: [],
  };
};
const pointOf = (): MetricPoint => {
  const n = ++seq;
  return {
    metric: 'matrix.gauge',
    type: 'gauge',
    unit: '',
    description: '',
    temporality: null,
    monotonic: null,
    serviceName: 'svc',
    startTimeUnixNano: BigInt(T0 + n) * 1_000_000n,
    timeUnixNano: BigInt(T0 + n) * 1_000_000n,
    attributes: { seq: String(n), pad: 'x'.repeat(200) },
    resource: {},
    scopeName: '',
    value: n,
    count: null,
    sum: null,
    min: null,
    max: null,
    bounds: null,
    bucketCounts: null,
  } as unknown as MetricPoint;
};
const spanKey = (s: SpanRecord) => s.spanId;
const pointKey = (p: MetricPoint) => `p${(p.attributes as Record<string, string>).seq}`;

interface Wave {
  spans: SpanRecord[];
  points: MetricPoint[];
}
function wave(n: number): Wave {
  const w = ++waves;
  return { spans: Array.from({ length: n }, () => spanOf(w)), points: Array.from({ length: n }, pointOf) };
}
let waves = 0;

// ---- targets ----
interface Target {
  name: string;
  takes: 'spans' | 'points';
  proxy: FaultProxy;
  config: Record<string, unknown>;
  /** Reads Retry-After (the SDK-based CloudWatch exporter uses its own backoff). */
  honoursRetryAfter: boolean;
  /** How many times the receiver stored each record id. */
  delivered(): Map<string, number>;
}

const count = (ids: Iterable<string>) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};

let es: EsReceiver;
let hec: HecReceiver;
let loki: LokiReceiver;
let cw: CwReceiver;
const otlpSpans: string[] = [];
const rwPoints: string[] = [];
const servers: Server[] = [];
const targets: Target[] = [];
const dirs: string[] = [];
const env = { ES_KEY: 'es-matrix-key', HEC_TOKEN: 'hec-matrix-token' };

async function sink(handle: (body: Buffer, headers: Record<string, unknown>) => void): Promise<string> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(Buffer.concat(chunks), req.headers);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

async function proxied(upstream: string, preserveHost = false): Promise<FaultProxy> {
  const p = new FaultProxy(upstream, { preserveHost });
  await p.start();
  return p;
}

beforeAll(async () => {
  es = await startEsReceiver(env.ES_KEY);
  hec = await startHecReceiver(env.HEC_TOKEN);
  loki = await startLokiReceiver();
  cw = await startCloudWatchLogsReceiver();
  const creds = mkdtempSync(join(tmpdir(), 'witness-matrix-cw-'));
  dirs.push(creds);
  writeFileSync(join(creds, 'id'), TEST_CREDENTIALS.accessKeyId);
  writeFileSync(join(creds, 'secret'), TEST_CREDENTIALS.secretAccessKey);
  const otlpUrl = await sink((body, headers) => {
    const raw = headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
    for (const s of decodeTracesProto(raw).spans) otlpSpans.push(s.spanId);
  });
  const rwUrl = await sink((body) => {
    const req = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body))) as {
      timeseries?: { labels: { name: string; value: string }[] }[];
    };
    for (const ts of req.timeseries ?? []) {
      const s = ts.labels.find((l) => l.name === 'seq');
      if (s) rwPoints.push(`p${s.value}`);
    }
  });
  const cwEvents = () => [...cw.streams.values()].flat();
  targets.push(
    {
      name: 'es',
      takes: 'spans',
      proxy: await proxied(es.url),
      config: { type: 'elasticsearch', apiKey: { env: 'ES_KEY' }, indexPrefix: 'matrix' },
      honoursRetryAfter: true,
      // the receiver keeps one document per _id (a second create is a 409): its map is exactly once
      delivered: () => count([...es.docs.values()].map((d) => (d.span as { id: string }).id)),
    },
    {
      name: 'hec',
      takes: 'spans',
      proxy: await proxied(hec.url),
      config: { type: 'splunk_hec', token: { env: 'HEC_TOKEN' }, source: 'matrix' },
      honoursRetryAfter: true,
      delivered: () => count(hec.events.map((e) => (e.event as { span_id: string }).span_id)),
    },
    {
      name: 'loki',
      takes: 'spans',
      proxy: await proxied(loki.url),
      config: { type: 'loki' },
      honoursRetryAfter: true,
      delivered: () => count(loki.entries.map((e) => e.metadata?.span_id ?? '?')),
    },
    {
      name: 'cw',
      takes: 'spans',
      proxy: await proxied(cw.url, true),
      config: {
        type: 'cloudwatch',
        region: TEST_REGION,
        logGroupName: '/witness/matrix',
        logStreamName: 'node-1',
        accessKeyIdFile: join(creds, 'id'),
        secretAccessKeyFile: join(creds, 'secret'),
      },
      honoursRetryAfter: false,
      delivered: () => count(cwEvents().map((e) => (JSON.parse(e.message) as { span_id: string }).span_id)),
    },
    {
      name: 'otlp',
      takes: 'spans',
      proxy: await proxied(otlpUrl),
      config: { type: 'otlp' },
      honoursRetryAfter: true,
      delivered: () => count(otlpSpans),
    },
    {
      name: 'rw',
      takes: 'points',
      proxy: await proxied(rwUrl),
      config: { type: 'prometheus_remote_write' },
      honoursRetryAfter: true,
      delivered: () => count(rwPoints),
    },
  );
});

afterAll(async () => {
  for (const t of targets) await t.proxy.close();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await Promise.all([es?.close(), hec?.close(), loki?.close(), cw?.close()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const urlKey = (t: Target) =>
  t.config.type === 'cloudwatch' ? 'endpoint' : t.config.type === 'otlp' ? 'endpoint' : 'url';
const targetUrl = (t: Target) =>
  t.config.type === 'prometheus_remote_write' ? `${t.proxy.url}/api/v1/write` : t.proxy.url;

/** In a shipping thread, as the server runs them (inline mode: exporters-es-hec-faults.e2e.test.ts). */
async function openHub(dataDir: string): Promise<ExporterHub> {
  const h = new ExporterHub({
    thread: true,
    exporters: targets.map((t) =>
      exporterSchema.parse({
        ...t.config,
        name: t.name,
        [urlKey(t)]: targetUrl(t),
        ...(t.takes === 'spans' ? { signals: ['spans'] } : {}),
        batch: { maxItems: 50, timeoutMs: 50 },
        retry: { initialBackoffMs: 100, maxBackoffMs: 2000, maxRetryAfterMs: 3000 },
        queue: { maxBytes: QUEUE_MAX_BYTES, dropPolicy: 'newest' },
        timeoutMs: 10_000,
      }),
    ),
    dataDir,
    registry: new Registry(),
    logger: createLogger({ level: 'silent' }),
    env,
  });
  await h.start();
  return h;
}

const offer = (h: ExporterHub, w: Wave) => {
  h.sink.consume({ project: 'p', spans: w.spans, logs: [] } as never);
  h.offerPoints('p', w.points);
};
const idsFor = (t: Target, w: Wave) => (t.takes === 'spans' ? w.spans.map(spanKey) : w.points.map(pointKey));
const statusOf = (h: ExporterHub, t: Target) => h.status().find((s) => s.name === t.name) as ExporterStatus;

let current: ExporterHub | null = null;

/** Polls, naming every exporter's state when it times out. */
const until = (what: string, f: () => boolean, ms = 30_000) =>
  pollUntil(what, f, ms, {
    intervalMs: 50,
    detail: () =>
      `exporters: ${JSON.stringify(
        current?.status().map((s) => ({
          n: s.name,
          st: s.state,
          q: s.queue.records,
          f: s.failedAttempts,
          e: s.lastError?.message,
        })),
      )}`,
  });
/**
 * Every queue empty: the receivers' answers reached the hub and were acknowledged. A phase ends here —
 * the next one cutting a connection before the 2xx got back would leave a batch the target has as
 * unacknowledged, to be sent again (at least once: docs/exporters.md, Delivery guarantees).
 */
const settled = (h: ExporterHub) =>
  until('queues empty', () => targets.every((t) => statusOf(h, t).queue.records === 0));

/** Each id of `w` delivered exactly once at every target. */
const allOnce = (w: Wave) =>
  targets.every((t) => {
    const d = t.delivered();
    return idsFor(t, w).every((id) => d.get(id) === 1);
  });
function expectOnce(w: Wave): void {
  for (const t of targets) {
    const d = t.delivered();
    const wrong = idsFor(t, w).filter((id) => d.get(id) !== 1);
    expect(wrong.map((id) => `${t.name}:${id}×${d.get(id) ?? 0}`)).toEqual([]);
  }
}
function expectNoDuplicates(): void {
  for (const t of targets) {
    const twice = [...t.delivered()].filter(([, n]) => n > 1);
    expect({ target: t.name, twice }).toEqual({ target: t.name, twice: [] });
  }
}

describe('every exporter through the framework under faults', () => {
  let dataDir: string;
  let hub: ExporterHub;
  const everything: Wave[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'witness-matrix-'));
    dirs.push(dataDir);
    hub = await openHub(dataDir);
    current = hub;
  });
  afterAll(async () => hub?.close());

  it('healthy targets: every record once', async () => {
    const w = wave(60);
    everything.push(w);
    offer(hub, w);
    await until('wave delivered everywhere', () => allOnce(w));
    await settled(hub);
    expectOnce(w);
  });

  for (const status of [429, 503]) {
    it(`${status} with Retry-After: 1 twice: retried after ≥ 1 s, every record once`, async () => {
      for (const t of targets) t.proxy.set({ kind: 'answer', status, retryAfter: '1', times: 2 });
      const from = Date.now();
      const w = wave(30);
      everything.push(w);
      offer(hub, w);
      await until('wave delivered everywhere', () => allOnce(w));
      expectOnce(w);
      // acks (and the proxy's log of the passing request) come after the receiver stored the records
      await settled(hub);
      for (const t of targets) {
        const seen = t.proxy.seen.filter((s) => s.receivedAt >= from);
        const refused = seen.filter((s) => s.status === status);
        expect(refused.length, t.name).toBe(2);
        const second = refused[1]?.at ?? 0;
        const next = seen.find((s) => s.status !== status && s.receivedAt >= second);
        expect(next, t.name).toBeDefined();
        if (t.honoursRetryAfter) expect((next?.receivedAt ?? 0) - second, t.name).toBeGreaterThanOrEqual(950);
        expect(statusOf(hub, t).lastError?.status, t.name).toBe(status);
      }
    });
  }

  it('400: the batch is dead-lettered and counted, never delivered; the next batch goes through', async () => {
    const before = new Map(targets.map((t) => [t.name, statusOf(hub, t).deadLettered]));
    for (const t of targets) t.proxy.set({ kind: 'answer', status: 400, times: 1 });
    const bad = wave(20);
    offer(hub, bad);
    await until('dead-lettered everywhere', () =>
      targets.every((t) => statusOf(hub, t).deadLettered - (before.get(t.name) ?? 0) === 20),
    );
    const good = wave(20);
    everything.push(good);
    offer(hub, good);
    await until('the next wave delivered', () => allOnce(good));
    await settled(hub);
    for (const t of targets) {
      const d = t.delivered();
      expect(
        idsFor(t, bad).filter((id) => d.has(id)),
        t.name,
      ).toEqual([]);
      const file = readFileSync(join(dataDir, 'exporters', t.name, 'dead-letter.ndjson'), 'utf8');
      const wanted =
        t.takes === 'spans'
          ? bad.spans.map((s) => s.spanId)
          : bad.points.map((p) => `"seq":"${(p.attributes as { seq: string }).seq}"`);
      expect(
        wanted.filter((id) => !file.includes(id)),
        t.name,
      ).toEqual([]);
    }
  });

  it('5 s answers: delivered once (the attempt timeout is 10 s)', async () => {
    for (const t of targets) t.proxy.set({ kind: 'slow', ms: 5000 });
    const started = Date.now();
    const w = wave(30);
    everything.push(w);
    offer(hub, w);
    await until('wave delivered everywhere', () => allOnce(w), 40_000);
    await settled(hub);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    for (const t of targets) t.proxy.set({ kind: 'pass' });
    expectOnce(w);
  });

  it('down 60 s with a restart 20 s in: queued records resume from disk, a flood is bounded and counted, each record once', async () => {
    const downAt = Date.now();
    for (const t of targets) await t.proxy.down();
    const beforeRestart = wave(100);
    everything.push(beforeRestart);
    offer(hub, beforeRestart);
    await until('queued and tried', () =>
      targets.every((t) => statusOf(hub, t).queue.records === 100 && statusOf(hub, t).failedAttempts > 0),
    );
    await new Promise((r) => setTimeout(r, 20_000 - (Date.now() - downAt)));
    await hub.close();
    hub = await openHub(dataDir);
    // read back from disk: nothing was sent, the queue holds what the closed hub had
    for (const t of targets) expect(statusOf(hub, t).queue.records, t.name).toBe(100);
    const afterRestart = wave(100);
    everything.push(afterRestart);
    offer(hub, afterRestart);
    // a flood the bounded queue cannot hold (dropPolicy newest: what is queued stays, the rest is counted)
    const heapBefore = process.memoryUsage().heapUsed;
    const flood: Wave[] = [];
    for (let i = 0; i < 10; i++) {
      const w = wave(500);
      flood.push(w);
      offer(hub, w);
      await new Promise((r) => setImmediate(r));
    }
    let maxQueueBytes = 0;
    while (Date.now() - downAt < OUTAGE_MS) {
      for (const t of targets) maxQueueBytes = Math.max(maxQueueBytes, statusOf(hub, t).queue.bytes);
      await new Promise((r) => setTimeout(r, 500));
    }
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `outage ${((Date.now() - downAt) / 1000).toFixed(1)} s; largest queue ${maxQueueBytes} B (bound ${QUEUE_MAX_BYTES}); heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(maxQueueBytes).toBeLessThanOrEqual(QUEUE_MAX_BYTES);
    const dropped = new Map(targets.map((t) => [t.name, statusOf(hub, t).dropped]));
    for (const t of targets) expect(dropped.get(t.name), t.name).toBeGreaterThan(0);
    for (const t of targets) await t.proxy.up();
    await until('queues drained', () => targets.every((t) => statusOf(hub, t).queue.records === 0), 60_000);
    await until(
      'before and after the restart delivered',
      () => allOnce(beforeRestart) && allOnce(afterRestart),
    );
    expectOnce(beforeRestart);
    expectOnce(afterRestart);
    for (const t of targets) {
      const d = t.delivered();
      const offered = flood.flatMap((w) => idsFor(t, w));
      const got = offered.filter((id) => d.has(id)).length;
      // every flood record either delivered or counted as dropped (the queue refused it)
      expect({ t: t.name, sum: got + statusOf(hub, t).dropped }).toEqual({ t: t.name, sum: offered.length });
      expect(statusOf(hub, t).dropped, t.name).toBe(dropped.get(t.name));
    }
    for (const w of everything) expectOnce(w);
    expectNoDuplicates();
    expect(es.violations).toEqual([]);
    expect(hec.violations).toEqual([]);
    expect(loki.violations).toEqual([]);
    expect(cw.violations).toEqual([]);
  }, 150_000);
});
