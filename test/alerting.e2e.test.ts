/**
 * SLO burn-rate alerts and threshold rules end to end, through the real `witness serve --config`:
 * spans over OTLP, evaluation every second, notifications to a local webhook receiver in
 * Alertmanager's webhook format (signed), silences over the API, and a restart mid-incident.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type AlertReceiver,
  every,
  type Received,
  sendSpans,
  startAlertReceiver,
} from './helpers/alert-receiver.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const SECRET = 'webhook-signing-secret-0123456789';

interface Payload {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    fingerprint: string;
    startsAt: string;
    endsAt: string;
  }>;
}
const payload = (r: Received) => r.body as Payload;
const about = (r: Received, key: string, value: string) =>
  payload(r).alerts.some((a) => a.labels[key] === value);
const withStatus = (r: Received, key: string, value: string, status: string) =>
  payload(r).alerts.some((a) => a.labels[key] === value && a.status === status);

function writeConfig(dir: string, receiverUrl: string, opts: { short?: string } = {}) {
  const file = join(dir, 'witness.yaml');
  writeFileSync(
    file,
    stringify({
      logLevel: 'warn',
      slos: [
        {
          name: 'checkout-availability',
          description: '99% of checkout spans succeed',
          sli: { kind: 'error_ratio', spans: { service: 'checkout' } },
          objective: 0.99,
          window: '1h',
          alerting: {
            pairs: [{ severity: 'page', long: '30s', short: opts.short ?? '5s', factor: 10 }],
            annotations: { runbook_url: 'https://runbooks.example.com/checkout' },
          },
        },
        {
          name: 'search-availability',
          sli: { kind: 'error_ratio', spans: { service: 'search' } },
          objective: 0.99,
          window: '1h',
          alerting: { pairs: [{ severity: 'page', long: '30s', short: '5s', factor: 10 }] },
        },
      ],
      alerts: {
        evaluationInterval: '1s',
        lateSpanGrace: '5s',
        route: { receiver: 'team-webhook', groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' },
        receivers: [
          {
            type: 'webhook',
            name: 'team-webhook',
            url: `${receiverUrl}/hook`,
            secret: { env: 'HOOK_SECRET' },
          },
        ],
        rules: [
          {
            kind: 'threshold',
            name: 'LlmLatencyHigh',
            query: { metric: 'p95', service: 'llm-gateway' },
            window: '8s',
            op: '>',
            threshold: 1000,
            labels: { severity: 'ticket' },
            annotations: { summary: 'p95 latency of llm-gateway is {{ $value }} ms' },
          },
        ],
      },
    }),
  );
  return file;
}

describe('SLO and threshold alerts reach a webhook receiver in Alertmanager format', () => {
  let receiver: AlertReceiver;
  let witness: WitnessProcess;
  let dir: string;

  beforeAll(async () => {
    receiver = await startAlertReceiver();
    dir = mkdtempSync(join(tmpdir(), 'witness-alerting-'));
    witness = await startWitness({
      args: ['--config', writeConfig(dir, receiver.url)],
      env: { HOOK_SECRET: SECRET },
    });
  });
  afterAll(async () => {
    await witness?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('failing spans fire the error-ratio SLO within 60 s; healthy spans resolve it once; a silence mutes another', async () => {
    // silence the search SLO before it burns
    const silence = await fetch(`${witness.url}/api/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'slo', value: 'search-availability', isRegex: false, isEqual: true }],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'e2e',
        comment: 'maintenance',
      }),
    });
    expect(silence.status).toBe(200);

    const started = Date.now();
    const failing = every(250, async () => {
      await sendSpans(witness.url, { service: 'checkout', count: 5, error: true });
      await sendSpans(witness.url, { service: 'search', count: 5, error: true });
    });
    const fired = await receiver.waitFor(
      (r) => withStatus(r, 'slo', 'checkout-availability', 'firing'),
      60_000,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    const body = payload(fired);
    expect(fired.path).toBe('/hook');
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'team-webhook' });
    const alert = body.alerts.find((a) => a.labels.slo === 'checkout-availability');
    expect(alert).toMatchObject({
      status: 'firing',
      labels: {
        alertname: 'ErrorBudgetBurn',
        slo: 'checkout-availability',
        severity: 'page',
        project: 'default',
      },
      annotations: { runbook_url: 'https://runbooks.example.com/checkout' },
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(alert?.annotations.summary).toContain('checkout-availability');
    // signed with the receiver's secret
    const expected = `sha256=${createHmac('sha256', SECRET).update(fired.raw).digest('hex')}`;
    expect(fired.headers['x-witness-signature']).toBe(expected);

    // the API shows it firing, and the SLO burning
    const alerts = (await (await fetch(`${witness.url}/api/alerts`)).json()) as {
      alerts: Array<{ state: string; labels: Record<string, string>; silencedBy: string[] }>;
    };
    expect(alerts.alerts.find((a) => a.labels.slo === 'checkout-availability')?.state).toBe('firing');
    const search = alerts.alerts.find((a) => a.labels.slo === 'search-availability');
    expect(search?.state).toBe('firing');
    expect(search?.silencedBy).toHaveLength(1);
    const slo = (await (await fetch(`${witness.url}/api/slos/checkout-availability`)).json()) as {
      pairs: Array<{ firing: boolean }>;
      budgetRemaining: number;
      exhaustionAt: string | null;
    };
    expect(slo.pairs[0]?.firing).toBe(true);
    expect(slo.budgetRemaining).toBeLessThan(0);
    expect(slo.exhaustionAt).not.toBeNull();
    // another project sees none of it
    const other = (await (
      await fetch(`${witness.url}/api/slos`, { headers: { 'x-witness-project': 'other' } })
    ).json()) as { slos: unknown[] };
    expect(other.slos).toEqual([]);

    await failing.stop();
    const healthy = every(250, () => sendSpans(witness.url, { service: 'checkout', count: 5, error: false }));
    await receiver.waitFor((r) => withStatus(r, 'slo', 'checkout-availability', 'resolved'), 60_000);
    await new Promise((r) => setTimeout(r, 4000));
    await healthy.stop();
    const resolved = receiver.received.filter((r) =>
      withStatus(r, 'slo', 'checkout-availability', 'resolved'),
    );
    const firing = receiver.received.filter((r) => withStatus(r, 'slo', 'checkout-availability', 'firing'));
    expect(resolved).toHaveLength(1);
    expect(firing).toHaveLength(1);
    // the silenced SLO burned too, but nobody was told
    expect(receiver.received.filter((r) => about(r, 'slo', 'search-availability'))).toEqual([]);
  }, 150_000);

  it('a latency threshold rule fires on slow spans and resolves once they are fast again', async () => {
    const slow = every(250, () =>
      sendSpans(witness.url, { service: 'llm-gateway', count: 3, error: false, durationMs: 2500 }),
    );
    const fired = await receiver.waitFor(
      (r) => withStatus(r, 'alertname', 'LlmLatencyHigh', 'firing'),
      60_000,
    );
    await slow.stop();
    const alert = payload(fired).alerts.find((a) => a.labels.alertname === 'LlmLatencyHigh');
    expect(alert?.labels).toMatchObject({ severity: 'ticket', project: 'default' });
    expect(alert?.annotations.summary).toMatch(/^p95 latency of llm-gateway is 2\d{3}(\.\d+)? ms$/);
    const fast = every(250, () =>
      sendSpans(witness.url, { service: 'llm-gateway', count: 3, error: false, durationMs: 50 }),
    );
    await receiver.waitFor((r) => withStatus(r, 'alertname', 'LlmLatencyHigh', 'resolved'), 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    await fast.stop();
    expect(
      receiver.received.filter((r) => withStatus(r, 'alertname', 'LlmLatencyHigh', 'resolved')),
    ).toHaveLength(1);
    expect(
      receiver.received.filter((r) => withStatus(r, 'alertname', 'LlmLatencyHigh', 'firing')),
    ).toHaveLength(1);
  }, 150_000);
});

describe('a restart mid-incident sends nothing twice', () => {
  it('keeps the firing alert across a restart without re-sending it, then resolves it once', async () => {
    const receiver = await startAlertReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'witness-alert-restart-'));
    const dataDir = join(dir, 'data');
    const config = writeConfig(dir, receiver.url, { short: '15s' });
    const args = ['--config', config];
    const env = { HOOK_SECRET: SECRET };
    let witness = await startWitness({ args, dataDir, env });
    let url = witness.url;
    const failing = every(250, () => sendSpans(url, { service: 'checkout', count: 5, error: true }));
    try {
      await receiver.waitFor((r) => withStatus(r, 'slo', 'checkout-availability', 'firing'), 60_000);
      await witness.stop();
      witness = await startWitness({ args, dataDir, env });
      url = witness.url;
      // several evaluations after the restart, still burning
      await new Promise((r) => setTimeout(r, 6000));
      const alerts = (await (await fetch(`${url}/api/alerts`)).json()) as {
        alerts: Array<{ state: string; labels: Record<string, string> }>;
      };
      expect(alerts.alerts.find((a) => a.labels.slo === 'checkout-availability')?.state).toBe('firing');
      expect(
        receiver.received.filter((r) => withStatus(r, 'slo', 'checkout-availability', 'firing')),
      ).toHaveLength(1);
      await failing.stop();
      const healthy = every(250, () => sendSpans(url, { service: 'checkout', count: 5, error: false }));
      await receiver.waitFor((r) => withStatus(r, 'slo', 'checkout-availability', 'resolved'), 60_000);
      await witness.stop();
      await healthy.stop();
      witness = await startWitness({ args, dataDir, env });
      await new Promise((r) => setTimeout(r, 4000));
      expect(
        receiver.received.filter((r) => withStatus(r, 'slo', 'checkout-availability', 'resolved')),
      ).toHaveLength(1);
      expect(
        receiver.received.filter((r) => withStatus(r, 'slo', 'checkout-availability', 'firing')),
      ).toHaveLength(1);
    } finally {
      await failing.stop();
      await witness.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
