/** The query API over a real server and store: every filter, pagination, and the 400/404 answers. */
import type { LogJson, Page, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './helpers/otel.js';
import { type AttrInput, encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
// Recent enough that the default 30-day retention sweep (1 s after start) keeps it.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const ms = (n: number) => BigInt(n) * 1_000_000n;

interface TraceSpec {
  service: string;
  startMs: number;
  durationMs: number;
  rootName?: string;
  session?: string;
  user?: string;
  agent?: string;
  model?: string;
  error?: boolean;
  attrs?: Record<string, AttrInput>;
  resource?: Record<string, AttrInput>;
}
const traces: Array<TraceSpec & { traceId: string }> = [];

async function send(spec: TraceSpec): Promise<string> {
  const traceId = newTraceId();
  const rootId = newSpanId();
  const start = ms(spec.startMs);
  const spans: SpanInput[] = [
    {
      traceId,
      spanId: rootId,
      name: spec.rootName ?? 'invoke_agent',
      startNs: start,
      endNs: start + ms(spec.durationMs),
      attributes: {
        'witness.kind': 'agent',
        ...(spec.agent ? { 'gen_ai.agent.name': spec.agent } : {}),
        ...(spec.session ? { 'witness.session.id': spec.session } : {}),
        ...(spec.user ? { 'witness.user.id': spec.user } : {}),
        ...spec.attrs,
      },
    },
    {
      traceId,
      spanId: newSpanId(),
      parentSpanId: rootId,
      name: 'child-step',
      startNs: start + 1000n,
      endNs: start + 2000n,
      attributes: spec.model
        ? {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': spec.model,
            'gen_ai.usage.input_tokens': 10,
            'gen_ai.usage.output_tokens': 5,
          }
        : { 'witness.kind': 'step' },
      status: spec.error ? { code: 2, message: 'boom' } : undefined,
    },
  ];
  const res = await fetch(`${w.url}/v1/traces`, {
    method: 'POST',
    body: encodeTraces(spec.service, spans, spec.resource),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
  traces.push({ ...spec, traceId });
  return traceId;
}

async function search(query: string): Promise<Page<TraceSummaryJson>> {
  const { status, body } = await getJson<Page<TraceSummaryJson>>(`${w.url}/api/traces?${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}
const ids = (p: Page<TraceSummaryJson>) => p.items.map((i) => i.traceId).sort();
const idsOf = (pred: (t: (typeof traces)[number]) => boolean) =>
  traces
    .filter(pred)
    .map((t) => t.traceId)
    .sort();

beforeAll(async () => {
  w = await startWitness();
  await send({
    service: 'svc-a',
    startMs: T0,
    durationMs: 100,
    session: 's1',
    user: 'alice',
    agent: 'planner',
    model: 'gpt-4o',
    attrs: { tenant: 'acme' },
  });
  await send({
    service: 'svc-a',
    startMs: T0 + 60_000,
    durationMs: 2500,
    session: 's1',
    user: 'alice',
    agent: 'coder',
    error: true,
  });
  await send({
    service: 'svc-b',
    startMs: T0 + 120_000,
    durationMs: 40,
    session: 's2',
    user: 'bob',
    agent: 'planner',
    model: 'claude-sonnet-4-5',
    resource: { 'deployment.environment.name': 'prod' },
  });
  await send({
    service: 'svc-b',
    startMs: T0 + 180_000,
    durationMs: 900,
    user: 'carol',
    rootName: 'nightly-job',
    attrs: { tenant: 'globex', retries: 3 },
  });
  for (let i = 0; i < 7; i++)
    await send({ service: 'svc-page', startMs: T0 + 300_000 + i * 1000, durationMs: 10 });
});
afterAll(async () => {
  await w?.stop();
});

describe('GET /api/traces', () => {
  it('lists newest first with the summary fields', async () => {
    const page = await search('service=svc-a');
    expect(page.items.map((i) => i.traceId)).toEqual([traces[1].traceId, traces[0].traceId]);
    expect(page.nextCursor).toBeNull();
    const first = page.items[1];
    expect(first).toMatchObject({
      rootName: 'invoke_agent',
      serviceName: 'svc-a',
      startTimeUnixNano: ms(T0).toString(),
      spanCount: 2,
      errorCount: 0,
      totalTokens: 15,
      sessionId: 's1',
      userId: 'alice',
    });
    expect(first.durationMs).toBeCloseTo(100, 3);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(page.items[0].errorCount).toBe(1);
  });

  it('filters by each field', async () => {
    expect(ids(await search('sessionId=s1'))).toEqual(idsOf((t) => t.session === 's1'));
    expect(ids(await search('userId=bob'))).toEqual(idsOf((t) => t.user === 'bob'));
    expect(ids(await search('agent=planner'))).toEqual(idsOf((t) => t.agent === 'planner'));
    expect(ids(await search('model=gpt-4o'))).toEqual(idsOf((t) => t.model === 'gpt-4o'));
    expect(ids(await search('kind=llm'))).toEqual(idsOf((t) => t.model !== undefined));
    expect(ids(await search('name=nightly-job'))).toEqual(idsOf((t) => t.rootName === 'nightly-job'));
    expect(ids(await search('name=child-step&service=svc-b'))).toEqual(idsOf((t) => t.service === 'svc-b'));
    expect(ids(await search('status=error'))).toEqual(idsOf((t) => t.error === true));
    expect(ids(await search('status=ok&service=svc-a'))).toEqual([traces[0].traceId]);
    expect(ids(await search('minDurationMs=500'))).toEqual(idsOf((t) => t.durationMs >= 500));
    expect(ids(await search('maxDurationMs=50&service=svc-b'))).toEqual([traces[2].traceId]);
  });

  it('filters by attr.<key> on span and resource attributes', async () => {
    expect(ids(await search('attr.tenant=acme'))).toEqual([traces[0].traceId]);
    expect(ids(await search('attr.tenant=globex&attr.retries=3'))).toEqual([traces[3].traceId]);
    expect(ids(await search('attr.tenant=globex&attr.retries=4'))).toEqual([]);
    expect(ids(await search('attr.deployment.environment.name=prod'))).toEqual([traces[2].traceId]);
  });

  it('bounds by from/to as ISO-8601 or epoch milliseconds', async () => {
    const iso = new Date(T0 + 60_000).toISOString();
    const inWindow = idsOf((t) => t.startMs >= T0 + 60_000 && t.startMs <= T0 + 180_000);
    expect(ids(await search(`from=${encodeURIComponent(iso)}&to=${T0 + 180_000}`))).toEqual(inWindow);
    expect(
      ids(await search(`from=${T0 + 60_000}&to=${encodeURIComponent(new Date(T0 + 180_000).toISOString())}`)),
    ).toEqual(inWindow);
  });

  it('pages with limit and cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<TraceSummaryJson> = await search(
        `service=svc-page&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.traceId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    const expected = traces
      .filter((t) => t.service === 'svc-page')
      .map((t) => t.traceId)
      .reverse(); // newest first
    expect(seen).toEqual(expected);
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [query, pattern] of [
      ['limit=0', /"limit"/],
      ['limit=1001', /"limit"/],
      ['limit=ten', /"limit"/],
      ['kind=robot', /"kind"/],
      ['status=maybe', /"status"/],
      ['from=yesterday', /"from".*ISO-8601/],
      ['minDurationMs=-5', /"minDurationMs"/],
      ['servce=svc-a', /unknown query parameter "servce"/],
      ['attr.=x', /attr\.<key>/],
      ['cursor=not-a-cursor', /cursor/],
    ] as const) {
      const { status, body } = await getJson<{ error: { code: string; message: string } }>(
        `${w.url}/api/traces?${query}`,
      );
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message, query).toMatch(pattern);
    }
  });
});

describe('GET /api/traces/:traceId', () => {
  it('returns the spans with string times, 404 for an unknown id, 400 for a malformed one', async () => {
    const t = traces[0];
    const { status, body } = await getJson<TraceJson>(`${w.url}/api/traces/${t.traceId.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(t.traceId);
    expect(body.spans.map((s) => s.name)).toEqual(['invoke_agent', 'child-step']);
    expect(body.spans[0].startTimeUnixNano).toBe(ms(T0).toString());
    expect(body.spans[1].parentSpanId).toBe(body.spans[0].spanId);
    expect(body.spans[0].attributes.tenant).toBe('acme');

    const unknown = await getJson<{ error: { code: string } }>(`${w.url}/api/traces/${'0'.repeat(31)}1`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const malformed = await getJson<{ error: { code: string; message: string } }>(
      `${w.url}/api/traces/not-a-trace`,
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/32 hex characters/);
  });
});

describe('GET /api/logs', () => {
  it('filters by trace, service, severity, text and time', async () => {
    const traceId = traces[0].traceId;
    const log = (
      time: number,
      severityNumber: number,
      severityText: string,
      body: string,
      withTrace: boolean,
    ) => ({
      timeUnixNano: ms(time).toString(),
      severityNumber,
      severityText,
      body: { stringValue: body },
      ...(withTrace ? { traceId, spanId: '0123456789abcdef' } : {}),
      attributes: [{ key: 'k', value: { intValue: '7' } }],
    });
    const res = await fetch(`${w.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'log-svc' } }] },
            scopeLogs: [
              {
                logRecords: [
                  log(T0, 9, 'INFO', 'Payment accepted', true),
                  log(T0 + 1000, 13, 'WARN', 'payment slow', true),
                  log(T0 + 2000, 17, 'ERROR', 'disk full', false),
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const logs = async (q: string) => {
      const r = await getJson<Page<LogJson>>(`${w.url}/api/logs?${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items.map((i) => i.body);
    };
    expect(await logs('service=log-svc')).toEqual(['disk full', 'payment slow', 'Payment accepted']);
    expect(await logs(`traceId=${traceId}`)).toEqual(['payment slow', 'Payment accepted']);
    expect(await logs('service=log-svc&q=PAYMENT')).toEqual(['payment slow', 'Payment accepted']);
    expect(await logs('service=log-svc&severity=WARN')).toEqual(['disk full', 'payment slow']);
    expect(await logs(`service=log-svc&from=${T0 + 500}&to=${T0 + 1500}`)).toEqual(['payment slow']);
    const full = await getJson<Page<LogJson>>(`${w.url}/api/logs?service=log-svc&q=disk`);
    expect(full.body.items[0]).toMatchObject({
      severityNumber: 17,
      severityText: 'ERROR',
      traceId: null,
      serviceName: 'log-svc',
      timeUnixNano: ms(T0 + 2000).toString(),
    });
    expect(full.body.items[0].attributes.k).toBe(7);
    expect((await getJson(`${w.url}/api/logs?traceId=xyz`)).status).toBe(400);
  });
});

describe('other endpoints', () => {
  it('lists services, answers health checks and documents the API', async () => {
    const services = await getJson<{ services: string[] }>(`${w.url}/api/services`);
    expect(services.body.services).toEqual(expect.arrayContaining(['svc-a', 'svc-b', 'svc-page']));
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
    const doc = await getJson<{
      openapi: string;
      paths: Record<string, { get: { parameters?: Array<{ name: string }> } }>;
    }>(`${w.url}/api/openapi.json`);
    expect(doc.body.openapi).toBe('3.1.0');
    const params = doc.body.paths['/api/traces'].get.parameters!.map((p) => p.name);
    expect(params).toEqual(
      expect.arrayContaining(['service', 'kind', 'from', 'to', 'limit', 'cursor', 'sessionId']),
    );
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/traces/{traceId}', '/api/logs', '/api/services']),
    );
    const missing = await getJson<{ error: { code: string } }>(`${w.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});
