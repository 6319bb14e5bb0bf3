/**
 * Elasticsearch and Splunk HEC through the exporter framework (ExporterHub: disk queue, batching,
 * retries, dead letters) against their validating receivers: 503s then a per-item 429, every span
 * delivered exactly once; a whole-request 400 dead-lettered and counted; the target refusing
 * everything while the hub restarts on the same data dir, then every queued span delivered from disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { ExporterHub } from '../packages/server/src/exporters/index.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import { emptyAgentFields, type SpanRecord } from '../packages/server/src/model/index.js';
import { type EsReceiver, startEsReceiver } from './helpers/elasticsearch-receiver.js';
import { type HecReceiver, startHecReceiver } from './helpers/splunk-hec-receiver.js';
import { until } from './helpers/until.js';

const T = BigInt(Date.UTC(2026, 11, 2, 5, 0, 0)) * 1_000_000n;
const span = (trace: number, i: number): SpanRecord => ({
  ...emptyAgentFields(),
  traceId: trace.toString(16).padStart(32, '0'),
  spanId: (i + 1).toString(16).padStart(16, '0'),
  parentSpanId: null,
  name: `op-${i}`,
  serviceName: 'svc',
  spanKind: 1,
  startTimeUnixNano: T,
  endTimeUnixNano: T + 1000n,
  statusCode: 'ok',
  statusMessage: '',
  attributes: {},
  resource: {},
  scopeName: '',
  scopeVersion: '',
  events: [],
  links: [],
});

const dirs: string[] = [];
let es: EsReceiver;
let hec: HecReceiver;
const env = { ES_KEY: 'es-test-key', HEC_TOKEN: 'hec-test-token' };
beforeAll(async () => {
  es = await startEsReceiver(env.ES_KEY);
  hec = await startHecReceiver(env.HEC_TOKEN);
});
afterAll(async () => {
  await es?.close();
  await hec?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const common = {
  batch: { maxItems: 10, timeoutMs: 20 },
  retry: { initialBackoffMs: 20, maxBackoffMs: 100, maxRetryAfterMs: 200 },
};
const configs = (prefix: string, extra: Record<string, unknown> = {}) => [
  exporterSchema.parse({
    type: 'elasticsearch',
    name: 'es',
    url: es.url,
    apiKey: { env: 'ES_KEY' },
    indexPrefix: prefix,
    ...common,
    ...extra,
  }),
  exporterSchema.parse({
    type: 'splunk_hec',
    name: 'hec',
    url: hec.url,
    token: { env: 'HEC_TOKEN' },
    source: prefix,
    ...common,
    ...extra,
  }),
];

function hub(dataDir: string, prefix: string, extra: Record<string, unknown> = {}): ExporterHub {
  const h = new ExporterHub({
    exporters: configs(prefix, extra),
    dataDir,
    registry: new Registry(),
    logger: createLogger({ level: 'silent' }),
    env,
  });
  h.start();
  return h;
}

const esDocs = (prefix: string) => [...es.docs.keys()].filter((k) => k.startsWith(`${prefix}-`));
const hecEvents = (source: string) => hec.events.filter((e) => e.source === source);
const offer = (h: ExporterHub, spans: SpanRecord[]) =>
  h.sink.consume({ project: 'p', spans, logs: [] } as never);

describe('elasticsearch and splunk_hec through the exporter framework', () => {
  it('503s and a per-item 429 are retried; every span arrives exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-exp2-'));
    dirs.push(dataDir);
    let esFails = 3;
    let hecFails = 3;
    let itemThrottled = false;
    es.fault = (path) => (path === '/_bulk' && esFails-- > 0 ? { status: 503 } : null);
    es.itemFault = (id) => {
      if (itemThrottled || !id.endsWith('5')) return null;
      itemThrottled = true;
      return 429;
    };
    hec.fault = () =>
      hecFails-- > 0 ? { status: 503, code: 9, text: 'Server is busy', retryAfter: '0' } : null;
    const h = hub(dataDir, 'once');
    for (let t = 0; t < 5; t++)
      offer(
        h,
        Array.from({ length: 8 }, (_, i) => span(t + 1, i)),
      );
    await until('40 spans in both', () => esDocs('once').length === 40 && hecEvents('once').length === 40);
    await until('queues empty', () => h.status().every((s) => s.queue.records === 0));
    const [esStatus, hecStatus] = h.status();
    expect(esStatus?.failedAttempts).toBeGreaterThanOrEqual(4); // 3 × 503 + the item 429
    expect(hecStatus?.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(esStatus?.sent).toBe(40);
    expect(hecStatus?.sent).toBe(40);
    await new Promise((r) => setTimeout(r, 200));
    expect(esDocs('once').length).toBe(40);
    expect(hecEvents('once').length).toBe(40); // no duplicates after the retries
    expect(es.violations).toEqual([]);
    expect(hec.violations).toEqual([]);
    await h.close();
    es.fault = null;
    es.itemFault = null;
    hec.fault = null;
  });

  it('a 400 is dead-lettered and counted; the queue moves on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-exp2-'));
    dirs.push(dataDir);
    let once = true;
    es.fault = (path) => {
      if (path !== '/_bulk' || !once) return null;
      once = false;
      return { status: 400 };
    };
    const h = hub(dataDir, 'dead');
    offer(
      h,
      Array.from({ length: 5 }, (_, i) => span(100, i)),
    );
    await until('dead-lettered', () => (h.status()[0]?.deadLettered ?? 0) === 5);
    offer(
      h,
      Array.from({ length: 5 }, (_, i) => span(101, i)),
    );
    await until('the next batch delivered', () => esDocs('dead').length === 5);
    expect(h.status()[0]?.lastError?.status).toBe(400);
    await h.close();
    es.fault = null;
  });

  it('a restart mid-outage resumes from the disk queue', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-exp2-'));
    dirs.push(dataDir);
    es.fault = () => ({ status: 503 });
    hec.fault = () => ({ status: 503, code: 9, text: 'Server is busy' });
    const first = hub(dataDir, 'restart');
    offer(
      first,
      Array.from({ length: 12 }, (_, i) => span(200, i)),
    );
    await until('queued and tried', () =>
      first.status().every((s) => s.queue.records === 12 && s.failedAttempts > 0),
    );
    await first.close();
    es.fault = null;
    hec.fault = null;
    const second = hub(dataDir, 'restart');
    const hecSpans = () => hecEvents('restart').map((e) => (e.event as { span_id: string }).span_id);
    await until(
      'delivered after the restart',
      () => esDocs('restart').length === 12 && new Set(hecSpans()).size === 12,
    );
    await until('queues empty', () => second.status().every((s) => s.queue.records === 0));
    await new Promise((r) => setTimeout(r, 200));
    expect(esDocs('restart').length).toBe(12);
    expect(hecSpans().length).toBe(12);
    await second.close();
  });

  // Splunk HEC has no idempotency key: a batch the target read but the hub did not acknowledge is sent
  // again by the next start. Closing therefore waits for the answer to the request in flight.
  const hecCounts = (source: string) => {
    const n = new Map<string, number>();
    for (const e of hecEvents(source)) {
      const id = (e.event as { span_id: string }).span_id;
      n.set(id, (n.get(id) ?? 0) + 1);
    }
    return n;
  };

  it('closing waits for the answer to the request in flight and acknowledges it: nothing twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-exp2-'));
    dirs.push(dataDir);
    hec.delayMs = 800;
    try {
      const first = hub(dataDir, 'inflight');
      offer(
        first,
        Array.from({ length: 12 }, (_, i) => span(300, i)),
      );
      await until('a HEC request in flight', () => hec.pending > 0);
      await first.close(); // HEC answers 200 while close waits; the batch is acked, not re-sent
      expect(hecEvents('inflight').length).toBe(10);
      hec.delayMs = 0;
      const second = hub(dataDir, 'inflight');
      await until(
        'the rest delivered',
        () => hecCounts('inflight').size === 12 && esDocs('inflight').length === 12,
      );
      await until('queues empty', () => second.status().every((s) => s.queue.records === 0));
      await new Promise((r) => setTimeout(r, 200));
      expect([...hecCounts('inflight').values()].every((n) => n === 1)).toBe(true);
      expect(hecEvents('inflight').length).toBe(12);
      await second.close();
    } finally {
      hec.delayMs = 0;
    }
  });

  it('past shutdownGraceMs the request is aborted and sent again at the next start (HEC twice, ES once)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-exp2-'));
    dirs.push(dataDir);
    hec.delayMs = 800;
    try {
      const first = hub(dataDir, 'grace', { shutdownGraceMs: 50 });
      offer(
        first,
        Array.from({ length: 12 }, (_, i) => span(400, i)),
      );
      await until('a HEC request in flight', () => hec.pending > 0);
      const t0 = Date.now();
      await first.close();
      expect(Date.now() - t0).toBeLessThan(700); // did not wait for the answer
      await until('the aborted request handled by HEC anyway', () => hec.pending === 0);
      hec.delayMs = 0;
      const second = hub(dataDir, 'grace');
      await until('all delivered', () => hecCounts('grace').size === 12 && esDocs('grace').length === 12);
      await until('queues empty', () => second.status().every((s) => s.queue.records === 0));
      await new Promise((r) => setTimeout(r, 200));
      // the documented limit: at-least-once to a target without idempotency keys
      expect(hecEvents('grace').length).toBe(22);
      expect(esDocs('grace').length).toBe(12);
      await second.close();
    } finally {
      hec.delayMs = 0;
    }
  });
});
