/**
 * deploy/prometheus is valid for the real Prometheus tools: the config and rules load, each shipped
 * alert fires on a synthetic bad series and stays quiet on a healthy one (promtool test rules), and a
 * /metrics scrape of Witness passes promtool's exposition linter.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DerivedMetrics } from '../packages/server/src/metrics/derived-metrics.js';
import { scrape } from '../packages/server/src/metrics/scrape.js';
import { SelfMetrics } from '../packages/server/src/metrics/self-metrics.js';
import { testSpan } from '../packages/server/src/metrics/test-spans.js';
import { PROMTOOL, requireBinary, skipWithoutPrometheus } from './helpers/prometheus-binaries.js';

const DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const { skip, reason } = skipWithoutPrometheus();

function promtool(args: string[], input?: string) {
  const r = spawnSync(requireBinary(PROMTOOL, 'promtool'), args, { cwd: DIR, input, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(skip)(`deploy/prometheus with promtool${reason}`, () => {
  const rules = readdirSync(join(DIR, 'rules')).filter((f) => f.endsWith('.yml'));
  const tests = readdirSync(join(DIR, 'tests')).filter((f) => f.endsWith('.yml'));

  it('promtool check config passes and finds the rule files', () => {
    const r = promtool(['check', 'config', 'prometheus.yml']);
    expect(r.out).toContain(`SUCCESS: ${rules.length} rule files found`);
    expect(r.code).toBe(0);
  });

  it('promtool check rules passes on every rules file', () => {
    expect(rules.length).toBeGreaterThan(0);
    const r = promtool(['check', 'rules', ...rules.map((f) => `rules/${f}`)]);
    expect(r.code, r.out).toBe(0);
  });

  it('every shipped alert has a promtool unit test that makes it fire', () => {
    const alerts = rules.flatMap((f) =>
      [...readFileSync(join(DIR, 'rules', f), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]),
    );
    const testText = tests.map((f) => readFileSync(join(DIR, 'tests', f), 'utf8')).join('\n');
    for (const a of alerts) {
      // a firing expectation: the alert name followed by a non-empty exp_alerts list
      expect(testText, `${a} has no firing test`).toMatch(
        new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`),
      );
      expect(testText, `${a} has no quiet test`).toMatch(
        new RegExp(`alertname: ${a}\\n\\s+exp_alerts: \\[\\]`),
      );
    }
  });

  it('promtool test rules passes: alerts fire on bad series and stay quiet on healthy ones', () => {
    const r = promtool(['test', 'rules', ...tests.map((f) => `tests/${f}`)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain('FAILED');
  });

  it('promtool test rules notices a wrong expectation (the tests can fail)', () => {
    const bad = `rule_files: [rules/witness-self.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="witness",instance="b"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: WitnessDown
        exp_alerts:
          - exp_labels: { severity: critical, job: witness, instance: b }
`;
    const r = spawnSync(
      'sh',
      [
        '-c',
        `f=$(mktemp --suffix=.yml -p .) && cat > "$f" && ${PROMTOOL} test rules "$f"; c=$?; rm -f "$f"; exit $c`,
      ],
      {
        cwd: DIR,
        input: bad,
        encoding: 'utf8',
      },
    );
    expect(r.status).not.toBe(0);
  });

  it('the /metrics exposition passes promtool check metrics', async () => {
    const m = new DerivedMetrics();
    m.observe([
      testSpan({
        kind: 'llm',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 10,
        outputTokens: 3,
        costUsd: 0.01,
      }),
      testSpan({ kind: 'tool', toolName: 'web "search"\n', statusCode: 'error' }),
    ]);
    const text = await scrape(m, new SelfMetrics(), 'prometheus');
    const r = promtool(['check', 'metrics'], text);
    expect(r.out).not.toMatch(/error while linting|parsing error/);
    // Lint findings: none for Witness's own names (prom-client's nodejs_active_*_total gauges are
    // named by that library, and Node dashboards expect those names).
    const findings = r.out.split('\n').filter((l) => l.trim() !== '');
    expect(findings.filter((l) => !/^nodejs_active_(handles|requests|resources)_total /.test(l))).toEqual([]);
  });
});
