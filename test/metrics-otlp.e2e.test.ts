/**
 * OTLP metrics into a running Witness with the official OpenTelemetry exporters (protobuf and JSON),
 * read back through GET /api/metrics/query.
 */
import { OTLPMetricExporter as OTLPMetricExporterHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

interface SeriesBody {
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>;
  error?: { message: string };
}

async function send(exporter: PushMetricExporter, service: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
    views: [{ instrumentName: 'queue.wait', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('e2e');
  const requests = meter.createCounter('app.requests');
  requests.add(7, { route: '/pay' });
  requests.add(3, { route: '/refund' });
  meter.createGauge('app.temperature').record(21.5);
  const latency = meter.createHistogram('app.latency', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 1, 10] },
  });
  for (const v of [0.5, 0.5, 0.5, 0.5]) latency.record(v);
  const wait = meter.createHistogram('queue.wait');
  for (const v of [1, 2, 3, 4]) wait.record(v);
  await provider.forceFlush();
  await provider.shutdown();
}

describe('OTLP metrics ingest (official exporters) and the query API', () => {
  let w: WitnessProcess;
  const from = Date.now() - 60_000;

  beforeAll(async () => {
    w = await startWitness();
    await send(new OTLPMetricExporterProto({ url: `${w.url}/v1/metrics` }), 'proto-app');
    await send(new OTLPMetricExporterHttp({ url: `${w.url}/v1/metrics` }), 'json-app');
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
  });

  const query = async (q: string) => {
    const res = await fetch(
      `${w.url}/api/metrics/query?${q}&from=${from}&to=${Date.now() + 60_000}&step=10m`,
    );
    return { status: res.status, body: (await res.json()) as SeriesBody };
  };
  const total = (b: SeriesBody) =>
    b.series.reduce((a, s) => a + s.points.reduce((x, p) => x + (p[1] ?? 0), 0), 0);

  for (const service of ['proto-app', 'json-app']) {
    it(`${service}: counter increases by route equal what was added`, async () => {
      const { status, body } = await query(
        `metric=app.requests&agg=increase&groupBy=route&service=${service}`,
      );
      expect(status).toBe(200);
      const byRoute = Object.fromEntries(body.series.map((s) => [s.labels.route, total({ series: [s] })]));
      expect(byRoute).toEqual({ '/pay': 7, '/refund': 3 });
    });

    it(`${service}: gauge, histogram and exponential histogram read back`, async () => {
      expect(total((await query(`metric=app.temperature&agg=max&service=${service}`)).body)).toBe(21.5);
      expect(total((await query(`metric=app.latency&agg=count&service=${service}`)).body)).toBe(4);
      const p50 = (await query(`metric=app.latency&agg=p50&service=${service}`)).body.series[0].points.find(
        (p) => p[1] !== null,
      )?.[1];
      expect(p50).toBeGreaterThan(0.1);
      expect(p50).toBeLessThanOrEqual(1);
      expect(total((await query(`metric=queue.wait&agg=count&service=${service}`)).body)).toBe(4);
    });
  }

  it('lists the ingested metrics and refuses a malformed body with 400', async () => {
    const names = (await (await fetch(`${w.url}/api/metrics/names`)).json()) as {
      metrics: Array<{ metric: string }>;
    };
    expect(names.metrics.map((m) => m.metric)).toEqual(
      expect.arrayContaining(['app.requests', 'app.temperature', 'app.latency', 'queue.wait']),
    );
    const bad = await fetch(`${w.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceMetrics": 5}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain(
      'resourceMetrics: expected an array',
    );
    // and the server keeps serving
    expect((await query('metric=app.requests&agg=increase')).status).toBe(200);
  });

  it('answers a 20,000-deep attribute with 400 as /v1/traces does (not a 500), and keeps 64-bit integers exact', async () => {
    let value = '{"stringValue":"leaf"}';
    for (let i = 0; i < 20_000; i++) value = `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
    const point = (attributes: string) =>
      `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"deep.gauge","gauge":{"dataPoints":[{"timeUnixNano":"${BigInt(Date.now()) * 1_000_000n}","asDouble":1,"attributes":${attributes}}]}}]}]}]}`;
    const deep = await fetch(`${w.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: point(`[{"key":"a","value":${value}}]`),
    });
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { message: string }).message).toContain('nested deeper than 32');
    const exact = await fetch(`${w.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: point('[{"key":"big","value":{"intValue":"9007199254740993"}}]'),
    });
    expect(exact.status).toBe(200);
    const grouped = await query('metric=deep.gauge&groupBy=big');
    expect(grouped.body.series.map((s) => s.labels.big)).toEqual(['9007199254740993']);
  });
});
