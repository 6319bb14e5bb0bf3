/**
 * Every PromQL expression in the shipped dashboards parses in Prometheus's own parser (each is loaded as
 * a recording rule by `promtool check rules`, Grafana variables substituted).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, substituteGrafanaVariables } from './helpers/dashboard-queries.js';
import { PROMTOOL, requireBinary, skipWithoutPrometheus } from './helpers/prometheus-binaries.js';

const { skip, reason } = skipWithoutPrometheus();

describe.skipIf(skip)(`dashboard PromQL${reason}`, () => {
  it('every dashboard expression parses (promtool check rules)', () => {
    const queries = dashboardQueries().filter((q) => !q.expr.startsWith('label_values('));
    expect(queries.length).toBeGreaterThan(40);
    const rules = queries
      .map(
        (q, i) =>
          `      - record: witness:dashboard_query:${i}\n        expr: ${JSON.stringify(substituteGrafanaVariables(q.expr))}`,
      )
      .join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'witness-promql-'));
    try {
      const file = join(dir, 'dashboards.yml');
      writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules}\n`);
      const r = spawnSync(requireBinary(PROMTOOL, 'promtool'), ['check', 'rules', file], {
        encoding: 'utf8',
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
