/**
 * The Elasticsearch exporter against a local receiver that checks every request against the _bulk and
 * _index_template contracts (test/helpers/elasticsearch-receiver.ts) and answers errors and throttles
 * as Elasticsearch does: the template installed once before the first bulk, NDJSON action/source
 * pairs into daily indices, ECS field names, the API key header; a per-item 429 retried with nothing
 * indexed twice (409 on the second try counts as delivered); a per-item 400 counted as rejected; a
 * whole-request 429 with Retry-After, a 503, a 400 and the target down classified for the framework.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { createExporter } from '../packages/server/src/exporters/index.js';
import type { ExportBatch, Exporter } from '../packages/server/src/exporters/types.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import { emptyAgentFields, type LogRecord, type SpanRecord } from '../packages/server/src/model/index.js';
import { type EsReceiver, startEsReceiver } from './helpers/elasticsearch-receiver.js';

const DAY1 = BigInt(Date.UTC(2026, 11, 1, 23, 59, 59)) * 1_000_000n;
const DAY2 = BigInt(Date.UTC(2026, 11, 2, 0, 0, 1)) * 1_000_000n;

function span(i: number, start: bigint, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    ...emptyAgentFields(),
    traceId: 'ab'.repeat(16),
    spanId: i.toString(16).padStart(16, '0'),
    parentSpanId: i === 0 ? null : '0'.repeat(16),
    name: `span-${i}`,
    serviceName: 'checkout',
    spanKind: 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_500_000n,
    statusCode: i % 5 === 4 ? 'error' : 'ok',
    statusMessage: i % 5 === 4 ? 'boom' : '',
    attributes: { 'gen_ai.request.model': 'gpt-4o', retries: i },
    resource: {},
    scopeName: '',
    scopeVersion: '',
    events: [],
    links: [],
    ...extra,
  };
}

const log = (i: number): LogRecord => ({
  timeUnixNano: DAY2,
  observedTimeUnixNano: DAY2,
  severityNumber: 17,
  severityText: 'ERROR',
  body: `payment failed ${i}`,
  traceId: 'ab'.repeat(16),
  spanId: '0'.repeat(16),
  serviceName: 'checkout',
  attributes: { attempt: i },
  resource: {},
  scopeName: '',
});

const batchOf = (spans: SpanRecord[], logs: LogRecord[] = []): ExportBatch => ({
  project: 'shop',
  spans,
  logs,
  points: [],
  samples: [],
});

let es: EsReceiver;
const env = { ES_API_KEY: 'es-test-key' };
beforeAll(async () => {
  es = await startEsReceiver(env.ES_API_KEY);
});
afterAll(async () => es?.close());

function exporter(extra: Record<string, unknown> = {}): Exporter {
  const config = exporterSchema.parse({
    type: 'elasticsearch',
    name: 'es',
    url: es.url,
    apiKey: { env: 'ES_API_KEY' },
    ...extra,
  });
  return createExporter(config, { env, logger: createLogger({ level: 'silent' }) });
}

type Doc = Record<string, unknown>;
/** A dotted path of a document ('trace.id'). */
const field = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Doc | undefined)?.[k], doc);

const send = (e: Exporter, b: ExportBatch) => e.send(b, { signal: AbortSignal.timeout(5000) });

describe('elasticsearch exporter', () => {
  it('installs the index template once, then bulk-indexes ECS documents into daily indices', async () => {
    const e = exporter();
    const spans = [span(0, DAY1), span(1, DAY1), span(4, DAY2)];
    expect(await send(e, batchOf(spans, [log(1)]))).toEqual({ kind: 'success' });
    expect(await send(e, batchOf([span(5, DAY2)]))).toEqual({ kind: 'success' });
    expect(es.violations).toEqual([]);
    expect(es.requests.filter((r) => r.path.startsWith('/_index_template/')).length).toBe(1);
    const tpl = es.templates.get('witness') as {
      index_patterns: string[];
      template: { mappings: { properties: Record<string, unknown> } };
    };
    expect(tpl.index_patterns).toEqual(['witness-*']);
    expect(tpl.template.mappings.properties['@timestamp']).toEqual({ type: 'date' });
    const bulk = es.requests.find((r) => r.path === '/_bulk');
    expect(bulk?.headers['content-encoding']).toBe('gzip');

    const root = es.docs.get(`witness-spans-2026.12.01/${'ab'.repeat(16)}-${'0'.repeat(16)}`) as Doc;
    expect(field(root, '@timestamp')).toBe('2026-12-01T23:59:59.000Z');
    expect(field(root, 'trace.id')).toBe('ab'.repeat(16));
    expect(field(root, 'transaction.id')).toBe('0'.repeat(16));
    expect(field(root, 'service.name')).toBe('checkout');
    expect(field(root, 'event.duration')).toBe(1_500_000);
    expect(field(root, 'event.outcome')).toBe('success');
    expect(field(root, 'labels.project')).toBe('shop');
    expect(field(root, 'witness.attributes')).toEqual({ 'gen_ai.request.model': 'gpt-4o', retries: '0' });
    const failed = es.docs.get(
      `witness-spans-2026.12.02/${'ab'.repeat(16)}-${(4).toString(16).padStart(16, '0')}`,
    ) as Doc;
    expect(field(failed, 'parent.id')).toBe('0'.repeat(16));
    expect(field(failed, 'event.outcome')).toBe('failure');
    expect(field(failed, 'error.message')).toBe('boom');
    const logs = [...es.docs.entries()].filter(([k]) => k.startsWith('witness-logs-2026.12.02/'));
    expect(logs.length).toBe(1);
    const l = logs[0]?.[1] as Doc;
    expect(field(l, 'message')).toBe('payment failed 1');
    expect(field(l, 'log.level')).toBe('error');
    expect(field(l, 'trace.id')).toBe('ab'.repeat(16));
  });

  it('a per-item 429 retries the batch; what was indexed answers 409 and is not indexed twice', async () => {
    const e = exporter({ indexPrefix: 'retry' });
    const spans = Array.from({ length: 6 }, (_, i) => span(i, DAY2));
    let throttled = 0;
    es.itemFault = (id) => (id.endsWith('3') && throttled++ === 0 ? 429 : null);
    const first = await send(e, batchOf(spans));
    expect(first).toMatchObject({ kind: 'retryable', status: 429 });
    expect(first.kind === 'retryable' && first.error).toContain('es_rejected_execution_exception');
    const indexedAfterFirst = [...es.docs.keys()].filter((k) => k.startsWith('retry-')).length;
    expect(indexedAfterFirst).toBe(5);
    // The framework sends the same batch again: five 409s (already there) and one 201.
    expect(await send(e, batchOf(spans))).toEqual({ kind: 'success' });
    expect([...es.docs.keys()].filter((k) => k.startsWith('retry-')).length).toBe(6);
    es.itemFault = null;
    expect(es.violations).toEqual([]);
  });

  it('a per-item 400 is counted as rejected, the rest delivered (no endless retry of a bad document)', async () => {
    const e = exporter({ indexPrefix: 'reject' });
    es.itemFault = (id) => (id.endsWith('2') ? 400 : null);
    const r = await send(e, batchOf(Array.from({ length: 4 }, (_, i) => span(i, DAY2))));
    es.itemFault = null;
    expect(r).toMatchObject({ kind: 'success', rejected: 1 });
    expect(r.kind === 'success' && r.message).toContain('mapper_parsing_exception');
    expect([...es.docs.keys()].filter((k) => k.startsWith('reject-')).length).toBe(3);
  });

  it('whole-request 429 (Retry-After) and 503 are retryable, 400 is permanent, a bad key is permanent', async () => {
    const e = exporter({ indexPrefix: 'faults', installTemplate: false });
    es.fault = () => ({ status: 429, retryAfter: '7' });
    expect(await send(e, batchOf([span(1, DAY2)]))).toMatchObject({
      kind: 'retryable',
      status: 429,
      retryAfterMs: 7000,
    });
    es.fault = () => ({ status: 503 });
    expect(await send(e, batchOf([span(1, DAY2)]))).toMatchObject({ kind: 'retryable', status: 503 });
    es.fault = () => ({ status: 400 });
    expect(await send(e, batchOf([span(1, DAY2)]))).toMatchObject({ kind: 'permanent', status: 400 });
    es.fault = null;
    const wrong = createExporter(
      exporterSchema.parse({ type: 'elasticsearch', name: 'es2', url: es.url, apiKey: { env: 'K' } }),
      { env: { K: 'wrong' }, logger: createLogger({ level: 'silent' }) },
    );
    expect(await send(wrong, batchOf([span(1, DAY2)]))).toMatchObject({ kind: 'permanent', status: 401 });
  });

  it('the target down is retryable, and the template is installed when it is back', async () => {
    const down = createExporter(
      exporterSchema.parse({
        type: 'elasticsearch',
        name: 'es3',
        url: 'http://127.0.0.1:9',
        indexPrefix: 'down',
        apiKey: { env: 'ES_API_KEY' },
      }),
      { env, logger: createLogger({ level: 'silent' }) },
    );
    const r = await send(down, batchOf([span(1, DAY2)]));
    expect(r.kind).toBe('retryable');
    expect(r.kind === 'retryable' && r.error).toContain('installing the index template');
  });
});
