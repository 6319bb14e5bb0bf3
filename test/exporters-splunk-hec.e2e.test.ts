/**
 * The Splunk HEC exporter against a local receiver that checks every request against HEC's documented
 * event format, auth header and error codes (test/helpers/splunk-hec-receiver.ts): spans and logs as
 * events, metric points as metric events, `Authorization: Splunk <token>`; 503 "Server is busy" and 429
 * retryable (Retry-After honoured), 400 and a bad token permanent, the target down retryable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { createExporter } from '../packages/server/src/exporters/index.js';
import type { ExportBatch, Exporter } from '../packages/server/src/exporters/types.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import type { MetricPoint } from '../packages/server/src/metrics/index.js';
import { emptyAgentFields, type SpanRecord } from '../packages/server/src/model/index.js';
import { type HecReceiver, startHecReceiver } from './helpers/splunk-hec-receiver.js';

const T = BigInt(Date.UTC(2026, 11, 2, 5, 0, 0, 250)) * 1_000_000n;

const span = (i: number): SpanRecord => ({
  ...emptyAgentFields(),
  kind: 'llm',
  model: 'gpt-4o',
  traceId: 'cd'.repeat(16),
  spanId: i.toString(16).padStart(16, '0'),
  parentSpanId: null,
  name: `chat ${i}`,
  serviceName: 'support-bot',
  spanKind: 3,
  startTimeUnixNano: T,
  endTimeUnixNano: T + 2_000_000n,
  statusCode: 'ok',
  statusMessage: '',
  attributes: { 'gen_ai.system': 'openai', nested: { a: 1 } },
  resource: {},
  scopeName: '',
  scopeVersion: '',
  events: [],
  links: [],
});

const point = (metric: string, value: number): MetricPoint =>
  ({
    metric,
    type: 'gauge',
    unit: '1',
    description: '',
    temporality: null,
    monotonic: null,
    serviceName: 'support-bot',
    startTimeUnixNano: T,
    timeUnixNano: T,
    attributes: { region: 'eu', shard: 3 },
    resource: {},
    scopeName: '',
    value,
    count: null,
    sum: null,
    min: null,
    max: null,
    bounds: null,
    bucketCounts: null,
  }) as unknown as MetricPoint;

const batch = (over: Partial<ExportBatch> = {}): ExportBatch => ({
  project: 'support',
  spans: [span(1), span(2)],
  logs: [
    {
      timeUnixNano: T,
      observedTimeUnixNano: T,
      severityNumber: 13,
      severityText: 'WARN',
      body: 'rate limited by provider',
      traceId: 'cd'.repeat(16),
      spanId: '1'.padStart(16, '0'),
      serviceName: 'support-bot',
      attributes: {},
      resource: {},
      scopeName: '',
    },
  ],
  points: [point('queue.depth', 12)],
  samples: [],
  ...over,
});

let hec: HecReceiver;
const env = { HEC_TOKEN: 'hec-test-token' };
beforeAll(async () => {
  hec = await startHecReceiver(env.HEC_TOKEN);
});
afterAll(async () => hec?.close());

function exporter(url = hec.url, tokenEnv = 'HEC_TOKEN', e: Record<string, string> = env): Exporter {
  const config = exporterSchema.parse({
    type: 'splunk_hec',
    name: 'splunk',
    url,
    token: { env: tokenEnv },
    index: 'agents',
  });
  return createExporter(config, { env: e, logger: createLogger({ level: 'silent' }) });
}
const send = (e: Exporter, b: ExportBatch) => e.send(b, { signal: AbortSignal.timeout(5000) });

describe('splunk_hec exporter', () => {
  it('sends spans and logs as events and metric points as metric events, with the Splunk token', async () => {
    expect(await send(exporter(), batch())).toEqual({ kind: 'success' });
    expect(hec.violations).toEqual([]);
    expect(hec.requests.at(-1)).toMatchObject({
      status: 200,
      code: 0,
      authorization: 'Splunk hec-test-token',
    });
    const spans = hec.events.filter((e) => e.sourcetype === 'witness:span');
    expect(spans.length).toBe(2);
    expect(spans[0]).toMatchObject({
      time: 1796187600.25,
      index: 'agents',
      source: 'witness',
      fields: { project: 'support', 'service.name': 'support-bot', trace_id: 'cd'.repeat(16) },
      event: { name: 'chat 1', kind: 'llm', model: 'gpt-4o', duration_ms: 2 },
    });
    const logs = hec.events.filter((e) => e.sourcetype === 'witness:log');
    expect(logs[0]?.event).toMatchObject({ message: 'rate limited by provider', severity: 'WARN' });
    const metrics = hec.events.filter((e) => e.event === 'metric');
    expect(metrics[0]?.fields).toEqual({
      'metric_name:queue.depth': 12,
      project: 'support',
      'service.name': 'support-bot',
      region: 'eu',
      shard: 3,
    });
  });

  it('503 "Server is busy" and 429 are retryable (Retry-After honoured); 400 and a bad token are permanent', async () => {
    const e = exporter();
    hec.fault = () => ({ status: 503, code: 9, text: 'Server is busy', retryAfter: '3' });
    expect(await send(e, batch())).toMatchObject({ kind: 'retryable', status: 503, retryAfterMs: 3000 });
    hec.fault = () => ({ status: 429, code: 9, text: 'Server is busy' });
    expect(await send(e, batch())).toMatchObject({ kind: 'retryable', status: 429 });
    hec.fault = () => ({ status: 400, code: 7, text: 'Incorrect index' });
    const bad = await send(e, batch());
    expect(bad).toMatchObject({ kind: 'permanent', status: 400 });
    expect(bad.kind === 'permanent' && bad.error).toContain('Incorrect index');
    hec.fault = null;
    expect(await send(exporter(hec.url, 'T', { T: 'wrong' }), batch())).toMatchObject({
      kind: 'permanent',
      status: 403,
    });
  });

  it('the receiver refuses what HEC refuses (its checks are real)', async () => {
    const post = (body: string, auth = `Splunk ${env.HEC_TOKEN}`) =>
      fetch(`${hec.url}/services/collector/event`, {
        method: 'POST',
        headers: { authorization: auth },
        body,
      });
    expect((await (await post('{"time":1}')).json()) as object).toEqual({
      text: 'Event field is required',
      code: 12,
      'invalid-event-number': 0,
    });
    expect((await post('{"event":"metric","fields":{"region":"eu"}}')).status).toBe(400);
    expect((await post('{"event":"x"}', 'Bearer abc')).status).toBe(401);
    hec.violations.length = 0;
  });

  it('the target down is retryable', async () => {
    const r = await send(exporter('http://127.0.0.1:9'), batch());
    expect(r.kind).toBe('retryable');
  });
});
