/**
 * The Loki exporter against a local receiver that checks the push API's JSON shape and Loki's label
 * limits (test/helpers/loki-receiver.ts): logs and spans as lines, labels bounded to the fixed set plus
 * the config's (100 traces → still a handful of streams), trace and span ids as structured metadata;
 * 429 and 503 retryable, 400 permanent, the target down retryable; bad static labels refused by config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterSchema } from '../packages/server/src/config/exporters-schema.js';
import { createExporter } from '../packages/server/src/exporters/index.js';
import type { ExportBatch, Exporter } from '../packages/server/src/exporters/types.js';
import { createLogger } from '../packages/server/src/logging/index.js';
import { emptyAgentFields, type LogRecord, type SpanRecord } from '../packages/server/src/model/index.js';
import { type LokiReceiver, startLokiReceiver } from './helpers/loki-receiver.js';

const T = BigInt(Date.UTC(2026, 11, 2, 5, 0, 0)) * 1_000_000n;
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

const log = (i: number): LogRecord => ({
  timeUnixNano: T + BigInt(i),
  observedTimeUnixNano: T,
  severityNumber: i % 3 === 0 ? 17 : 9,
  severityText: '',
  body: `step ${i} done`,
  traceId: hex(i + 1, 32),
  spanId: hex(i + 1, 16),
  serviceName: i % 2 ? 'planner' : 'executor',
  attributes: {},
  resource: {},
  scopeName: '',
});

const span = (i: number): SpanRecord => ({
  ...emptyAgentFields(),
  kind: 'tool',
  toolName: 'search',
  traceId: hex(i + 1, 32),
  spanId: hex(i + 1, 16),
  parentSpanId: null,
  name: `tool ${i}`,
  serviceName: 'planner',
  spanKind: 1,
  startTimeUnixNano: T + BigInt(i),
  endTimeUnixNano: T + BigInt(i) + 3_000_000n,
  statusCode: i === 7 ? 'error' : 'ok',
  statusMessage: i === 7 ? 'timeout' : '',
  attributes: {},
  resource: {},
  scopeName: '',
  scopeVersion: '',
  events: [],
  links: [],
});

let loki: LokiReceiver;
beforeAll(async () => {
  loki = await startLokiReceiver();
});
afterAll(async () => loki?.close());

function exporter(url = loki.url): Exporter {
  const config = exporterSchema.parse({
    type: 'loki',
    name: 'loki',
    url,
    tenantId: 'team-a',
    labels: { cluster: 'prod-eu' },
  });
  return createExporter(config, { env: {}, logger: createLogger({ level: 'silent' }) });
}
const batch = (n: number): ExportBatch => ({
  project: 'agents',
  spans: Array.from({ length: n }, (_, i) => span(i)),
  logs: Array.from({ length: n }, (_, i) => log(i)),
  points: [],
  samples: [],
});
const send = (e: Exporter, b: ExportBatch) => e.send(b, { signal: AbortSignal.timeout(5000) });

describe('loki exporter', () => {
  it('pushes logs and spans with bounded labels and trace ids as structured metadata', async () => {
    expect(await send(exporter(), batch(100))).toEqual({ kind: 'success' });
    expect(loki.violations).toEqual([]);
    expect(loki.entries.length).toBe(200);
    // 100 traces, but streams only per (service, signal, level): the trace id is never a label.
    expect(loki.streams.size).toBeLessThanOrEqual(6);
    for (const e of loki.entries) {
      expect(Object.keys(e.stream).sort()).toEqual(['cluster', 'level', 'project', 'service_name', 'signal']);
      expect(e.metadata?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    }
    const l = loki.entries.find((e) => e.line === 'step 3 done');
    expect(l?.stream).toEqual({
      cluster: 'prod-eu',
      project: 'agents',
      service_name: 'planner',
      signal: 'log',
      level: 'error',
    });
    expect(l?.metadata).toEqual({ trace_id: hex(4, 32), span_id: hex(4, 16) });
    expect(l?.ts).toBe(String(T + 3n));
    const s = loki.entries.find((e) => e.stream.signal === 'span' && e.stream.level === 'error');
    expect(JSON.parse(s?.line ?? '{}')).toMatchObject({
      name: 'tool 7',
      kind: 'tool',
      tool: 'search',
      error: 'timeout',
      duration_ms: 3,
    });
    expect(loki.requests.at(-1)?.headers['x-scope-orgid']).toBe('team-a');
  });

  it('429 and 503 are retryable (Retry-After honoured), 400 is permanent, the target down is retryable', async () => {
    const e = exporter();
    loki.fault = () => ({ status: 429, retryAfter: '2' });
    expect(await send(e, batch(2))).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 2000 });
    loki.fault = () => ({ status: 503 });
    expect(await send(e, batch(2))).toMatchObject({ kind: 'retryable', status: 503 });
    loki.fault = () => ({ status: 400 });
    expect(await send(e, batch(2))).toMatchObject({ kind: 'permanent', status: 400 });
    loki.fault = null;
    expect((await send(exporter('http://127.0.0.1:9'), batch(2))).kind).toBe('retryable');
  });

  it('the receiver enforces the limits it claims, and the config refuses labels Witness sets itself', async () => {
    const stream = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'x']));
    const res = await fetch(`${loki.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream, values: [['1', 'a']] }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('max_label_names_per_series');
    loki.violations.length = 0;
    expect(() =>
      exporterSchema.parse({
        type: 'loki',
        name: 'l',
        url: loki.url,
        labels: { trace_id: 'x', project: 'y' },
      }),
    ).toThrow(/a label Witness sets itself/);
  });
});
