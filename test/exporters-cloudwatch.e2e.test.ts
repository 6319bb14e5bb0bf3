/**
 * The CloudWatch exporter (official @aws-sdk/client-cloudwatch-logs) against a local receiver that
 * verifies each request's SigV4 signature with the SDK's own signer and checks it against the API
 * reference (test/helpers/cloudwatch-logs-receiver.ts): group and stream created, logs and spans as JSON
 * events, metric points as Embedded Metric Format events with dimensions, PutLogEvents' limits kept by
 * splitting; ThrottlingException and ServiceUnavailableException retryable, InvalidParameterException
 * permanent, wrong credentials refused, a deleted stream created again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { putBatches } from '../packages/server/src/exporters/cloudwatch/cloudwatch-exporter.js';
import { createExporter } from '../packages/server/src/exporters/index.js';
import type { ExportBatch, Exporter } from '../packages/server/src/exporters/types.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import type { MetricPoint } from '../packages/server/src/metrics/index.js';
import { emptyAgentFields, type SpanRecord } from '../packages/server/src/model/index.js';
import { type CwReceiver, startCloudWatchLogsReceiver } from './helpers/cloudwatch-logs-receiver.js';
import { TEST_CREDENTIALS, TEST_REGION } from './helpers/s3-server.js';

const T = BigInt(Date.UTC(2026, 11, 2, 5, 0, 0)) * 1_000_000n;
const span = (i: number): SpanRecord => ({
  ...emptyAgentFields(),
  kind: 'llm',
  model: 'claude',
  traceId: 'ef'.repeat(16),
  spanId: (i + 1).toString(16).padStart(16, '0'),
  parentSpanId: null,
  name: `chat ${i}`,
  serviceName: 'triage',
  spanKind: 3,
  startTimeUnixNano: T + BigInt(i) * 1_000_000n,
  endTimeUnixNano: T + BigInt(i) * 1_000_000n + 5_000_000n,
  statusCode: 'ok',
  statusMessage: '',
  attributes: {},
  resource: {},
  scopeName: '',
  scopeVersion: '',
  events: [],
  links: [],
});
const point = (value: number): MetricPoint =>
  ({
    metric: 'llm.latency',
    type: 'gauge',
    unit: 'ms',
    description: '',
    temporality: null,
    monotonic: null,
    serviceName: 'triage',
    startTimeUnixNano: T,
    timeUnixNano: T,
    attributes: { model: 'claude', region: 'eu' },
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

const batch = (n = 3): ExportBatch => ({
  project: 'ops',
  spans: Array.from({ length: n }, (_, i) => span(i)),
  logs: [
    {
      timeUnixNano: T,
      observedTimeUnixNano: T,
      severityNumber: 9,
      severityText: 'INFO',
      body: 'ticket routed',
      traceId: 'ef'.repeat(16),
      spanId: null,
      serviceName: 'triage',
      attributes: {},
      resource: {},
      scopeName: '',
    },
  ],
  points: [point(812)],
  samples: [],
});

let cw: CwReceiver;
let creds: string;
beforeAll(async () => {
  cw = await startCloudWatchLogsReceiver();
  creds = mkdtempSync(join(tmpdir(), 'witness-cw-'));
  writeFileSync(join(creds, 'id'), TEST_CREDENTIALS.accessKeyId);
  writeFileSync(join(creds, 'secret'), TEST_CREDENTIALS.secretAccessKey);
  writeFileSync(join(creds, 'wrong'), 'not-the-secret');
});
afterAll(async () => {
  await cw?.close();
  rmSync(creds, { recursive: true, force: true });
});

function exporter(secret = 'secret'): Exporter {
  const config = exporterSchema.parse({
    type: 'cloudwatch',
    name: 'cw',
    region: TEST_REGION,
    endpoint: cw.url,
    logGroupName: '/witness/agents',
    logStreamName: 'node-1',
    dimensions: ['model'],
    accessKeyIdFile: join(creds, 'id'),
    secretAccessKeyFile: join(creds, secret),
  });
  return createExporter(config, { env: {}, logger: createLogger({ level: 'silent' }) });
}
const send = (e: Exporter, b: ExportBatch) => e.send(b, { signal: AbortSignal.timeout(10_000) });

describe('cloudwatch exporter', () => {
  it('creates the group and stream, puts logs, spans and EMF metric events, every request signed right', async () => {
    const e = exporter();
    expect(await send(e, batch())).toEqual({ kind: 'success' });
    expect(await send(e, batch())).toEqual({ kind: 'success' }); // group and stream not created twice
    expect(cw.violations).toEqual([]);
    expect(cw.requests.filter((q) => q.status === 403)).toEqual([]);
    expect(cw.requests.filter((q) => q.op === 'CreateLogGroup').length).toBe(1);
    const events = cw.streams.get('/witness/agents/node-1') ?? [];
    expect(events.length).toBe(10);
    const docs = events.map((x) => JSON.parse(x.message) as Record<string, unknown>);
    expect(docs.filter((d) => d.type === 'span').length).toBe(6);
    expect(docs.find((d) => d.type === 'log')).toMatchObject({
      body: 'ticket routed',
      trace_id: 'ef'.repeat(16),
      project: 'ops',
    });
    const emf = docs.find((d) => '_aws' in d);
    expect(emf).toMatchObject({
      'llm.latency': 812,
      project: 'ops',
      'service.name': 'triage',
      model: 'claude',
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Witness',
            Dimensions: [['project', 'service.name', 'model']],
            Metrics: [{ Name: 'llm.latency', Unit: 'Milliseconds' }],
          },
        ],
      },
    });
    e.close?.();
  });

  it('ThrottlingException and ServiceUnavailableException are retryable; InvalidParameterException and a bad signature permanent', async () => {
    const e = exporter();
    cw.fault = (op) => (op === 'PutLogEvents' ? { status: 400, type: 'ThrottlingException' } : null);
    expect(await send(e, batch())).toMatchObject({ kind: 'retryable', status: 400 });
    cw.fault = (op) => (op === 'PutLogEvents' ? { status: 503, type: 'ServiceUnavailableException' } : null);
    expect(await send(e, batch())).toMatchObject({ kind: 'retryable', status: 503 });
    cw.fault = (op) => (op === 'PutLogEvents' ? { status: 400, type: 'InvalidParameterException' } : null);
    expect(await send(e, batch())).toMatchObject({ kind: 'permanent', status: 400 });
    cw.fault = null;
    const bad = await send(exporter('wrong'), batch());
    expect(bad).toMatchObject({ kind: 'permanent', status: 403 });
    expect(bad.kind === 'permanent' && bad.error).toContain('signature does not match');
  });

  it('a deleted stream is created again after one retryable failure', async () => {
    const e = exporter();
    expect(await send(e, batch(1))).toEqual({ kind: 'success' });
    cw.streams.delete('/witness/agents/node-1');
    const r = await send(e, batch(1));
    expect(r).toMatchObject({ kind: 'retryable', status: 400 });
    expect(r.kind === 'retryable' && r.error).toContain('ResourceNotFoundException');
    expect(await send(e, batch(1))).toEqual({ kind: 'success' });
    expect(cw.streams.get('/witness/agents/node-1')?.length).toBe(3);
  });

  it('splits to PutLogEvents limits: 10,000 events, 1 MiB, 24 hours, in time order', () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ({ timestamp: 25_000 - i, message: 'x' }));
    const parts = putBatches(many);
    expect(parts.map((p) => p.length)).toEqual([10_000, 10_000, 5_000]);
    expect(parts[0]?.[0]?.timestamp).toBe(1);
    const big = Array.from({ length: 3 }, (_, i) => ({ timestamp: i, message: 'y'.repeat(600_000) }));
    expect(putBatches(big).length).toBe(3);
    expect(
      putBatches([
        { timestamp: 0, message: 'a' },
        { timestamp: 86_400_000, message: 'b' },
      ]).length,
    ).toBe(2);
  });
});
