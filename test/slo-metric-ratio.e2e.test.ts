/**
 * A metric-ratio SLI (errors / total of two ingested OTLP counters) against a real started server:
 * cumulative counters go in over OTLP/JSON, the SLO's windows read their increases through
 * /api/metrics/query in-process, and the SLO burns and pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningServer, startServer } from '@witness/server';
import { afterAll, beforeAll, expect, it } from 'vitest';

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-metric-slo-'));
  const config = loadConfig({
    flags: {
      dataDir,
      server: { host: '127.0.0.1', port: 0 },
      slos: [
        {
          name: 'payments-ratio',
          sli: {
            kind: 'metric_ratio',
            errors: { metric: 'payments.failed' },
            total: { metric: 'payments.total' },
          },
          objective: 0.99,
          window: '1h',
          alerting: { pairs: [{ severity: 'page', long: '2m', short: '1m', factor: 10 }] },
        },
      ],
      alerts: { evaluationInterval: '1h' },
    },
  });
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const counter = (name: string, points: Array<[number, number]>, start: number) => ({
  name,
  unit: '1',
  sum: {
    aggregationTemporality: 2,
    isMonotonic: true,
    dataPoints: points.map(([t, v]) => ({
      startTimeUnixNano: `${BigInt(start) * 1_000_000n}`,
      timeUnixNano: `${BigInt(t) * 1_000_000n}`,
      asInt: String(v),
    })),
  },
});

it("reads the two counters' increases per window and pages when errors are 20% of the total", async () => {
  const now = Date.now();
  const start = now - 300_000;
  const ts = [now - 100_000, now - 70_000, now - 40_000, now - 10_000];
  const res = await fetch(`${server.url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payments' } }] },
          scopeMetrics: [
            {
              metrics: [
                counter(
                  'payments.total',
                  ts.map((t, i) => [t, 1000 + i * 100]),
                  start,
                ),
                counter(
                  'payments.failed',
                  ts.map((t, i) => [t, 10 + i * 20]),
                  start,
                ),
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(res.status, await res.text()).toBe(200);
  // ingested points reach the metric store through a sink after the 200: evaluate until they show
  const read = async () => {
    await server.alerting.tick();
    return (await (await fetch(`${server.url}/api/slos/payments-ratio`)).json()) as { events: number };
  };
  await expect.poll(async () => (await read()).events, { timeout: 10_000 }).toBeGreaterThan(0);
  const slo = (await (await fetch(`${server.url}/api/slos/payments-ratio`)).json()) as {
    sliKind: string;
    events: number;
    burnRates: Array<{ window: string; burnRate: number | null }>;
    pairs: Array<{ firing: boolean }>;
  };
  expect(slo.sliKind).toBe('metric_ratio');
  expect(slo.events).toBeGreaterThan(0);
  for (const b of slo.burnRates) expect(b.burnRate, b.window).toBeCloseTo(20, 0); // 20 errors / 100 = 20% = 20× a 1% budget
  expect(slo.pairs[0]?.firing).toBe(true);
  const alerts = (await (await fetch(`${server.url}/api/alerts`)).json()) as {
    alerts: Array<{ state: string; labels: Record<string, string> }>;
  };
  expect(alerts.alerts.find((a) => a.labels.slo === 'payments-ratio')?.state).toBe('firing');
});
