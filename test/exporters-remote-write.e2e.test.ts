/**
 * Prometheus remote write against a real Prometheus (Debian's, --web.enable-remote-write-receiver,
 * scraping nothing): Witness's derived metrics and the OTLP metric points it received are pushed, and
 * read back through Prometheus's query API with the values that were sent. A proxy in front takes the
 * receiver down for a while: samples queue, then arrive in order (Prometheus refuses out-of-order ones).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './helpers/fault-proxy.js';
import { getJson, tracerProvider } from './helpers/otel.js';
import {
  type RunningPrometheus,
  skipWithoutPrometheus,
  startPrometheus,
} from './helpers/prometheus-binaries.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const { skip, reason } = skipWithoutPrometheus();
const LLM = 12;

describe.skipIf(skip)(`Prometheus remote write to a real Prometheus${reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-rw-'));
  let prom: RunningPrometheus;
  let proxy: FaultProxy;
  let w: WitnessProcess;

  async function scalar(expr: string): Promise<number | null> {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      data: { result: Array<{ value: [number, string] }> };
    };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
    return body.data.result.length === 0 ? null : Number(body.data.result[0].value[1]);
  }

  async function until(what: string, f: () => Promise<boolean>, ms = 40_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        if (await f()) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; prometheus log:\n${prom.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    prom = await startPrometheus(dir, null, ['--web.enable-remote-write-receiver']);
    await until('prometheus ready', async () => (await fetch(`${prom.url}/-/ready`)).ok);
    proxy = new FaultProxy(prom.url);
    await proxy.start();
    const config = join(dir, 'witness.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        exporters: [
          {
            name: 'prom',
            type: 'prometheus_remote_write',
            url: `${proxy.url}/api/v1/write`,
            intervalMs: 1000,
            externalLabels: { cluster: 'e2e' },
            batch: { maxItems: 5000, timeoutMs: 200 },
            retry: { initialBackoffMs: 200, maxBackoffMs: 1000 },
          },
        ],
      }),
    );
    w = await startWitness({ args: ['--config', config] });
  }, 60_000);

  afterAll(async () => {
    await w?.stop();
    await proxy?.close();
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes the derived metrics; Prometheus answers the values that were sent', async () => {
    const tp = tracerProvider(w.url, 'rw-app');
    const tracer = tp.getTracer('e2e');
    for (let i = 0; i < LLM; i++) {
      const s = tracer.startSpan('chat gpt-4o', {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 10,
        },
      });
      s.end();
    }
    await tp.forceFlush();
    await tp.shutdown();
    await until(
      'the token counter in Prometheus',
      async () => (await scalar('sum(witness_llm_tokens_total{cluster="e2e",type="input"})')) === LLM * 100,
    );
    expect(await scalar('sum(witness_llm_tokens_total{cluster="e2e",type="output"})')).toBe(LLM * 10);
    expect(
      await scalar('sum(witness_llm_requests_total{cluster="e2e",provider="openai",project="default"})'),
    ).toBe(LLM);
    expect(await scalar('sum(witness_spans_total{cluster="e2e",service="rw-app"})')).toBe(LLM);
    // histograms arrive as their classic series
    expect(await scalar('sum(witness_llm_request_duration_seconds_count{cluster="e2e"})')).toBe(LLM);
    expect(await scalar('sum(witness_llm_request_duration_seconds_bucket{cluster="e2e",le="+Inf"})')).toBe(
      LLM,
    );
  }, 60_000);

  it('forwards OTLP metric points received on /v1/metrics', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${w.url}/v1/metrics` }),
      exportIntervalMillis: 60_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'rw-otlp' }),
      readers: [reader],
    });
    const meter = provider.getMeter('e2e');
    meter.createCounter('app.requests').add(7, { route: '/pay' });
    meter.createGauge('app.temperature').record(21.5);
    const h = meter.createHistogram('app.latency', { advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
    for (const v of [0.5, 0.5, 5]) h.record(v);
    await provider.forceFlush();
    await provider.shutdown();
    await until(
      'app_requests in Prometheus',
      async () => (await scalar('app_requests{cluster="e2e",route="/pay"}')) === 7,
    );
    expect(await scalar('app_temperature{service_name="rw-otlp"}')).toBe(21.5);
    expect(await scalar('app_latency_count{service_name="rw-otlp"}')).toBe(3);
    expect(await scalar('app_latency_bucket{service_name="rw-otlp",le="1"}')).toBe(2);
    expect(await scalar('app_latency_sum{service_name="rw-otlp"}')).toBe(6);
  }, 60_000);

  it('the receiver down for 8 s: samples queue and arrive in order after it is back', async () => {
    await proxy.down();
    const tp = tracerProvider(w.url, 'rw-outage');
    const tracer = tp.getTracer('e2e');
    for (let i = 0; i < 5; i++) tracer.startSpan('step').end();
    await tp.forceFlush();
    await tp.shutdown();
    await new Promise((r) => setTimeout(r, 8000));
    const during = (
      await getJson<{
        exporters: Array<{ queue: { records: number }; state: string; failedAttempts: number }>;
      }>(`${w.url}/api/exporters`)
    ).body.exporters[0];
    expect(during.queue.records).toBeGreaterThan(0);
    expect(during.state).toBe('retrying');
    await proxy.up();
    await until(
      'the outage spans in Prometheus',
      async () => (await scalar('sum(witness_spans_total{service="rw-outage"})')) === 5,
    );
    // samples taken during the outage arrive at their own times, in order: the last 15 s have no gap
    await until('the outage samples in Prometheus', async () => {
      const n = await scalar('count_over_time(witness_llm_tokens_total{type="input"}[15s])');
      return n !== null && n >= 13;
    });
    const s = (
      await getJson<{ exporters: Array<{ deadLettered: number; dropped: number }> }>(`${w.url}/api/exporters`)
    ).body.exporters[0];
    expect(s).toMatchObject({ deadLettered: 0, dropped: 0 });
  }, 60_000);
});
