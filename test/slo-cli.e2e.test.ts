/**
 * The `witness slo` and `witness alerts` commands, run as users run them (the built CLI):
 * - `slo rules --out dir` writes rules that Prometheus's own `promtool check rules` accepts and that
 *   `promtool test rules` proves fire on a burning series and stay quiet on a healthy one;
 * - `slo import` reads OpenSLO v1 and prints a `slos:` section the server's config loader accepts;
 * - `alerts test <receiver>` delivers a test alert to a real local webhook.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startAlertReceiver } from './helpers/alert-receiver.js';
import { PROMTOOL, requireBinary, skipWithoutPrometheus } from './helpers/prometheus-binaries.js';
import { CLI_MAIN } from './helpers/witness-process.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-slo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function witness(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const config = join(dir, 'witness.yaml');
writeFileSync(
  config,
  stringify({
    slos: [
      {
        name: 'checkout-availability',
        sli: { kind: 'error_ratio', spans: { service: 'checkout' } },
        objective: 0.99,
        window: '28d',
      },
      {
        name: 'search-availability',
        sli: { kind: 'error_ratio', spans: { service: 'search' } },
        objective: 0.99,
        window: '28d',
      },
      {
        name: 'llm-latency',
        sli: { kind: 'latency', spans: { service: 'gateway', kind: 'llm' }, thresholdMs: 2500 },
        objective: 0.95,
        window: '7d',
      },
    ],
  }),
);

const { skip, reason } = skipWithoutPrometheus();
describe.skipIf(skip)(`witness slo rules with promtool${reason}`, () => {
  const out = join(dir, 'rules');
  it('writes rules promtool check rules accepts, with Sloth-style record names', () => {
    const r = witness(['slo', 'rules', '--config', config, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(out, 'witness-slo-rules.yml');
    const text = readFileSync(file, 'utf8');
    for (const name of [
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate3d',
      'slo:objective:ratio',
    ])
      expect(text).toContain(name);
    const check = spawnSync(requireBinary(PROMTOOL, 'promtool'), ['check', 'rules', file], {
      encoding: 'utf8',
    });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });

  it('promtool test rules: the burning SLO pages (and tickets), the healthy one stays quiet', () => {
    // 100 spans a minute per service; checkout fails 20% of them from the start, search none
    const test = {
      rule_files: ['witness-slo-rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'witness_spans_total{service="checkout",kind="http",status="ok"}', values: '0+80x180' },
            {
              series: 'witness_spans_total{service="checkout",kind="http",status="error"}',
              values: '0+20x180',
            },
            { series: 'witness_spans_total{service="search",kind="http",status="ok"}', values: '0+100x180' },
            { series: 'witness_spans_total{service="search",kind="http",status="error"}', values: '0+0x180' },
          ],
          alert_rule_test: [
            {
              eval_time: '90m',
              alertname: 'ErrorBudgetBurn',
              exp_alerts: ['page', 'ticket'].map((severity) => ({
                exp_labels: {
                  severity,
                  slo: 'checkout-availability',
                  sloth_slo: 'checkout-availability',
                  sloth_id: 'default-checkout-availability',
                  project: 'default',
                },
                exp_annotations: {
                  summary: 'SLO checkout-availability is burning its error budget too fast',
                },
              })),
            },
          ],
        },
      ],
    };
    writeFileSync(join(out, 'slo-test.yml'), stringify(test));
    const r = spawnSync(requireBinary(PROMTOOL, 'promtool'), ['test', 'rules', 'slo-test.yml'], {
      cwd: out,
      encoding: 'utf8',
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    // and promtool test is not a rubber stamp: expecting nothing fails
    test.tests[0]!.alert_rule_test[0]!.exp_alerts = [];
    writeFileSync(join(out, 'slo-test-wrong.yml'), stringify(test));
    const wrong = spawnSync(requireBinary(PROMTOOL, 'promtool'), ['test', 'rules', 'slo-test-wrong.yml'], {
      cwd: out,
      encoding: 'utf8',
    });
    expect(wrong.status).not.toBe(0);
  });
});

describe('witness slo import (OpenSLO v1)', () => {
  it('prints a slos: section the config loader accepts', () => {
    const file = join(dir, 'openslo.yaml');
    writeFileSync(
      file,
      `apiVersion: openslo/v1
kind: SLI
metadata: { name: planner-errors }
spec:
  ratioMetric:
    counter: true
    good: { metricSource: { type: Witness, spec: { sli: error_ratio, agent: planner } } }
    total: { metricSource: { type: Witness, spec: { sli: error_ratio, agent: planner } } }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: planner-availability, displayName: Planner availability }
spec:
  description: 99.5% of planner spans succeed
  service: agents
  indicatorRef: planner-errors
  timeWindow: [{ duration: 28d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ displayName: ok, target: 0.995 }]
`,
    );
    const r = witness(['slo', 'import', file]);
    expect(r.code, r.stderr).toBe(0);
    const imported = parse(r.stdout) as { slos: unknown[] };
    expect(imported.slos).toEqual([
      {
        name: 'planner-availability',
        description: '99.5% of planner spans succeed',
        sli: { kind: 'error_ratio', spans: { agent: 'planner' } },
        objective: 0.995,
        window: '28d',
      },
    ]);
    const loaded = join(dir, 'imported.yaml');
    writeFileSync(loaded, r.stdout);
    expect(loadConfig({ file: loaded }).slos[0]).toMatchObject({
      name: 'planner-availability',
      window: 28 * 86_400_000,
    });
  });

  it('refuses an indicator it cannot evaluate, naming the SLO', () => {
    const file = join(dir, 'prom.yaml');
    writeFileSync(
      file,
      'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: x }\nspec:\n  indicator:\n    metadata: { name: i }\n    spec: { ratioMetric: { total: { metricSource: { type: Prometheus, spec: { query: up } } } } }\n  objectives: [{ target: 0.9 }]\n',
    );
    const r = witness(['slo', 'import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'SLO x: the indicator needs a ratioMetric whose metricSource has type: Witness',
    );
  });
});

describe('witness alerts test <receiver>', () => {
  it('delivers a signed test alert to the named webhook', async () => {
    const receiver = await startAlertReceiver();
    try {
      const file = join(dir, 'alerts.yaml');
      writeFileSync(
        file,
        stringify({
          alerts: {
            receivers: [
              { type: 'webhook', name: 'ops', url: `${receiver.url}/ops`, secret: { env: 'OPS_SECRET' } },
            ],
          },
        }),
      );
      // spawnSync would block this process's event loop, and with it the receiver: run async
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [CLI_MAIN, 'alerts', 'test', 'ops', '--config', file], {
        env: { ...process.env, OPS_SECRET: 'test-secret-0123456789' },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      expect(stdout).toContain('receiver ops (webhook) took the test alert: HTTP 200');
      const got = receiver.received[0]!;
      expect(got.body).toMatchObject({
        version: '4',
        status: 'firing',
        alerts: [{ labels: { alertname: 'WitnessTestAlert' } }],
      });
      expect(got.headers['x-witness-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      const unknown = witness(['alerts', 'test', 'nope', '--config', file]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no receiver "nope" (receivers: ops)');
    } finally {
      await receiver.close();
    }
  });
});
