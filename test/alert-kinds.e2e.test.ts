/**
 * The alert kinds beyond thresholds and span SLOs, end to end through a real `witness serve --config`
 * and a local webhook receiver (Alertmanager's webhook format):
 * - an `anomaly` rule fires on a crafted tool loop of one agent, names the anomaly and links its trace,
 *   and resolves once the event leaves the lookback; a rule about another agent stays quiet;
 * - a governance policy with action `alert` turns a violating span into a firing alert that resolves
 *   after the quiet period;
 * - a `metric_ratio` SLO over two OTLP counters sent by the official OTLP metrics exporter shows its
 *   SLI, budget and burn rates on /api/slos/{name}, and burns into an ErrorBudgetBurn notification.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { AlertJson, SloStatusJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type AlertReceiver, type Received, startAlertReceiver } from './helpers/alert-receiver.js';
import { postSpans, runSpans } from './helpers/anomaly-traffic.js';
import { newSpanId, newTraceId } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

interface Payload {
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}
const alertsOf = (r: Received) => (r.body as Payload).alerts ?? [];
const find = (r: Received, name: string, status: string) =>
  alertsOf(r).find((a) => a.labels.alertname === name && a.status === status);

let receiver: AlertReceiver;
let w: WitnessProcess;
let dir: string;

beforeAll(async () => {
  receiver = await startAlertReceiver();
  dir = mkdtempSync(join(tmpdir(), 'witness-alert-kinds-'));
  const config = join(dir, 'witness.yaml');
  writeFileSync(
    config,
    stringify({
      logLevel: 'warn',
      governance: {
        policies: [
          {
            name: 'side-effect-outside-execute',
            expression: 'span.kind == "tool" && span.sideEffect && span.mode != "execute"',
            severity: 'high',
            action: 'alert',
          },
        ],
      },
      slos: [
        {
          name: 'payments-availability',
          sli: {
            kind: 'metric_ratio',
            errors: { metric: 'payments.requests.failed', service: 'payments' },
            total: { metric: 'payments.requests', service: 'payments' },
          },
          objective: 0.99,
          window: '1h',
          alerting: { pairs: [{ severity: 'page', long: '30s', short: '5s', factor: 10 }] },
        },
      ],
      alerts: {
        evaluationInterval: '1s',
        policyAlertQuietPeriod: '4s',
        route: {
          receiver: 'hook',
          groupBy: ['alertname', 'slo', 'policy', 'agent'],
          groupWait: '1s',
          groupInterval: '1s',
          repeatInterval: '1h',
        },
        receivers: [{ type: 'webhook', name: 'hook', url: `${receiver.url}/hook` }],
        rules: [
          {
            kind: 'anomaly',
            name: 'AgentToolLoop',
            anomalies: { kind: 'tool_loop', agent: 'looper' },
            threshold: 0.5,
            lookback: '15s',
            labels: { severity: 'ticket' },
            annotations: {
              summary: 'agent {{ $labels.agent }} loops on {{ $labels.tool }} (score {{ $value }})',
            },
          },
          // the control: the same kind of anomaly, another agent: must never fire
          { kind: 'anomaly', name: 'QuietAgentLoop', anomalies: { agent: 'someone-else' } },
        ],
      },
    }),
  );
  w = await startWitness({ dataDir: join(dir, 'data'), args: ['--config', config] });
}, 90_000);

afterAll(async () => {
  await w?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function alerts(project = 'default'): Promise<AlertJson[]> {
  const res = await fetch(`${w.url}/api/alerts`, { headers: { 'x-witness-project': project } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { alerts: AlertJson[] }).alerts;
}

describe('alert kinds end to end', () => {
  it('an anomaly rule fires on a tool loop of its agent, names it, links the trace, and resolves', async () => {
    const calls = Array.from({ length: 20 }, () => ({
      name: 'fetch_page',
      args: '{"url":"https://shop.test/cart"}',
      durationMs: 40,
    }));
    const run = runSpans({ agent: 'looper', endMs: Date.now(), tools: calls });
    // the same loop in another project: its alert (if any rule there) must not reach this one
    const elsewhere = runSpans({ agent: 'looper', endMs: Date.now(), tools: calls });
    await postSpans(w.url, 'web-agent', elsewhere.spans, 'other');
    await postSpans(w.url, 'web-agent', run.spans);

    const fired = await receiver.waitFor((r) => !!find(r, 'AgentToolLoop', 'firing'), 60_000);
    const a = find(fired, 'AgentToolLoop', 'firing') as Payload['alerts'][number];
    expect(a.labels).toMatchObject({
      alertname: 'AgentToolLoop',
      project: 'default',
      severity: 'ticket',
      anomaly_kind: 'tool_loop',
      anomaly_metric: 'fetch_page',
      agent: 'looper',
      service: 'web-agent',
      tool: 'fetch_page',
    });
    expect(a.annotations.trace_url).toBe(`${w.url}/traces/${run.traceId}`);
    expect(a.annotations.trace_id).toBe(run.traceId);
    expect(a.annotations.anomaly).toMatch(/fetch_page/);
    expect(a.annotations.summary).toMatch(/^agent looper loops on fetch_page \(score 0\.\d+\)$/);
    const listed = (await alerts()).find((x) => x.rule === 'AgentToolLoop');
    expect(listed?.tracesUrl).toBe(`/traces/${run.traceId}`);
    expect(listed?.value).toBeGreaterThanOrEqual(0.5);
    expect((await alerts('other')).some((x) => x.rule === 'AgentToolLoop')).toBe(false);

    // the event leaves the 15 s lookback: one resolved notification
    const resolved = await receiver.waitFor((r) => !!find(r, 'AgentToolLoop', 'resolved'), 60_000);
    expect(find(resolved, 'AgentToolLoop', 'resolved')?.labels.agent).toBe('looper');
    expect(receiver.received.filter((r) => !!find(r, 'AgentToolLoop', 'firing'))).toHaveLength(1);
    expect(
      receiver.received.some((r) => alertsOf(r).some((x) => x.labels.alertname === 'QuietAgentLoop')),
    ).toBe(false);
  }, 150_000);

  it('a span violating an `alert` policy becomes a firing alert that resolves after the quiet period', async () => {
    const traceId = newTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    await postSpans(w.url, 'mail-agent', [
      {
        traceId,
        spanId: newSpanId(),
        name: 'send_email',
        startNs: now - 5_000_000n,
        endNs: now,
        attributes: {
          'witness.kind': 'tool',
          'witness.tool.name': 'send_email',
          'witness.tool.side_effect': true,
          'witness.governance.mode': 'Draft',
          'gen_ai.agent.name': 'mailer',
        },
      },
    ]);
    const fired = await receiver.waitFor((r) => !!find(r, 'PolicyViolation', 'firing'), 30_000);
    const a = find(fired, 'PolicyViolation', 'firing') as Payload['alerts'][number];
    expect(a.labels).toMatchObject({
      alertname: 'PolicyViolation',
      project: 'default',
      policy: 'side-effect-outside-execute',
      severity: 'high',
      agent: 'mailer',
      service: 'mail-agent',
      mode: 'Draft',
    });
    expect(a.annotations.trace_url).toBe(`${w.url}/traces/${traceId}`);
    expect(a.annotations.summary).toMatch(/side-effect-outside-execute.*send_email.*mailer/);
    const firedAt = Date.now();
    const resolved = await receiver.waitFor((r) => !!find(r, 'PolicyViolation', 'resolved'), 30_000);
    // not before the 4 s quiet period (counted from the violation's arrival, before `fired`)
    expect(resolved.at - firedAt).toBeGreaterThan(1_000);
    expect(find(resolved, 'PolicyViolation', 'resolved')?.labels.policy).toBe('side-effect-outside-execute');
  }, 90_000);

  it('a metric_ratio SLO over OTLP counters shows SLI, budget and burn, and burns into an alert', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${w.url}/v1/metrics` }),
      exportIntervalMillis: 500,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'payments' }),
      readers: [reader],
    });
    const meter = provider.getMeter('e2e');
    const total = meter.createCounter('payments.requests');
    const failed = meter.createCounter('payments.requests.failed');
    const slo = async (): Promise<SloStatusJson> => {
      const res = await fetch(`${w.url}/api/slos/payments-availability`);
      expect(res.status).toBe(200);
      return (await res.json()) as SloStatusJson;
    };
    try {
      // healthy first: the failure counter was never incremented, so it is never exported (counts 0)
      for (let i = 0; i < 12; i++) {
        total.add(20);
        await new Promise((r) => setTimeout(r, 250));
      }
      let healthy = await slo();
      for (let i = 0; i < 40 && healthy.events === 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        healthy = await slo();
      }
      expect(healthy.sliKind).toBe('metric_ratio');
      expect(
        healthy.events,
        w
          .stderr()
          .split('\n')
          .filter((l) => l.includes('SLO'))
          .slice(-3)
          .join('\n'),
      ).toBeGreaterThan(0);
      expect(healthy.badEvents).toBe(0);
      expect(healthy.sli).toBe(1);
      expect(healthy.budgetRemaining).toBe(1);
      expect(healthy.pairs[0]?.firing).toBe(false);

      // then half of the requests fail: burn rate 0.5 / 0.01 = 50 on both windows, over the factor 10
      const burning = (async () => {
        for (let i = 0; i < 120; i++) {
          total.add(10);
          failed.add(5);
          await new Promise((r) => setTimeout(r, 250));
          if (receiver.received.some((r) => !!find(r, 'ErrorBudgetBurn', 'firing'))) return;
        }
      })();
      const fired = await receiver.waitFor((r) => !!find(r, 'ErrorBudgetBurn', 'firing'), 45_000);
      await burning;
      expect(find(fired, 'ErrorBudgetBurn', 'firing')?.labels).toMatchObject({
        slo: 'payments-availability',
        severity: 'page',
        project: 'default',
      });
      const s = await slo();
      expect(s.badEvents).toBeGreaterThan(0);
      expect(s.sli).toBeLessThan(1);
      expect(s.budgetRemaining).toBeLessThan(1);
      const short = s.burnRates.find((b) => b.window === '5s');
      expect(short?.burnRate).toBeGreaterThanOrEqual(10);
      expect(s.pairs[0]).toMatchObject({ firing: true });
      // another project does not see it
      const other = await fetch(`${w.url}/api/slos`, { headers: { 'x-witness-project': 'other' } });
      expect(((await other.json()) as { slos: SloStatusJson[] }).slos).toHaveLength(0);
    } finally {
      await provider.shutdown().catch(() => undefined);
    }
  }, 120_000);
});
