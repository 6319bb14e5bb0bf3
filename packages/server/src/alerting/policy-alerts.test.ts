import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsSection } from '../config/schema.js';
import { createLogger } from '../logging/index.js';
import { AlertEngine, type PolicyAlertInput } from './alert-engine.js';

const violation = (over: Partial<PolicyAlertInput> = {}): PolicyAlertInput => ({
  project: 'alpha',
  policy: 'side-effect-outside-execute',
  severity: 'high',
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  spanName: 'send_email',
  service: 'mail',
  agent: 'mailer',
  tool: 'send_email',
  mode: 'Draft',
  ...over,
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function engine(clock: { now: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-policy-alerts-'));
  dirs.push(dataDir);
  return new AlertEngine({
    slos: [],
    alerts: { ...alertsSection.parse({ policyAlertQuietPeriod: '5m' }), externalUrl: 'https://w.example' },
    store: () => null,
    metricQuery: async () => ({ series: [] }),
    dataDir,
    baseUrl: () => 'http://127.0.0.1:1',
    logger: createLogger({ level: 'silent' }),
    now: () => clock.now,
  });
}

describe('governance policy alerts in the alert engine', () => {
  it('fire at the next evaluation, in their project only, and resolve after the quiet period', async () => {
    const clock = { now: 1_000_000 };
    const e = engine(clock);
    e.raisePolicyAlert(violation());
    await e.tick();
    const [a, ...rest] = e.listAlerts('alpha');
    expect(rest).toHaveLength(0);
    expect(a).toMatchObject({
      rule: 'policy:side-effect-outside-execute',
      state: 'firing',
      labels: {
        alertname: 'PolicyViolation',
        project: 'alpha',
        policy: 'side-effect-outside-execute',
        severity: 'high',
        service: 'mail',
        agent: 'mailer',
        mode: 'Draft',
      },
      annotations: { trace_url: `https://w.example/traces/${'a'.repeat(32)}`, trace_id: 'a'.repeat(32) },
      tracesUrl: `/traces/${'a'.repeat(32)}`,
    });
    expect(e.listAlerts('beta')).toEqual([]);

    // another violation 4 min later keeps it up (one incident) and moves the link to its trace
    clock.now += 240_000;
    e.raisePolicyAlert(violation({ traceId: 'c'.repeat(32) }));
    await e.tick();
    clock.now += 240_000; // 8 min after the first, 4 after the last: still firing
    await e.tick();
    expect(e.listAlerts('alpha')[0]).toMatchObject({
      state: 'firing',
      firedAt: new Date(1_000_000).toISOString(),
      annotations: { trace_id: 'c'.repeat(32) },
    });
    clock.now += 61_000; // 5 min 1 s quiet
    await e.tick();
    expect(e.listAlerts('alpha')[0]).toMatchObject({ state: 'resolved' });
    await e.stop();
  });

  it('another agent of the same policy is another alert', async () => {
    const clock = { now: 1_000_000 };
    const e = engine(clock);
    e.raisePolicyAlert(violation());
    e.raisePolicyAlert(violation({ agent: 'planner' }));
    e.raisePolicyAlert(violation({ agent: null }));
    await e.tick();
    expect(
      e
        .listAlerts('alpha')
        .map((a) => a.labels.agent ?? '-')
        .sort(),
    ).toEqual(['-', 'mailer', 'planner']);
    await e.stop();
  });
});
