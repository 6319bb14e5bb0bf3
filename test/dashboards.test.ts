/**
 * The shipped Grafana dashboards: deploy/grafana is exactly what `witness dashboards export` writes,
 * the JSON is a well-formed Grafana dashboard, and every query names only metrics Witness defines.
 * (test/dashboards-promql.e2e.test.ts checks the names against a live Witness after the demo workload.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDashboards } from '../packages/cli/src/commands/dashboards.js';
import { DATASOURCE_UID } from '../packages/server/src/metrics/dashboards/grafana.js';
import { grafanaDashboards, grafanaExportFiles } from '../packages/server/src/metrics/index.js';
import { dashboardQueries, promqlMetricNames } from './helpers/dashboard-queries.js';

const DEPLOY = fileURLToPath(new URL('../deploy/grafana/', import.meta.url));

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

describe('shipped dashboards', () => {
  it('deploy/grafana holds exactly what the exporter produces (regenerate: witness dashboards export deploy/grafana)', () => {
    const expected = grafanaExportFiles();
    expect(listFiles(DEPLOY).sort()).toEqual(Object.keys(expected).sort());
    for (const [rel, text] of Object.entries(expected))
      expect(readFileSync(join(DEPLOY, rel), 'utf8'), rel).toBe(text);
  });

  it('witness dashboards export <dir> writes the dashboards and provisioning files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-dash-'));
    try {
      const program = new Command().exitOverride();
      registerDashboards(program);
      await program.parseAsync([
        'node',
        'witness',
        'dashboards',
        'export',
        dir,
        '--prometheus-url',
        'http://prom.internal:9090',
      ]);
      const files = listFiles(dir).sort();
      expect(files).toEqual(Object.keys(grafanaExportFiles()).sort());
      expect(readFileSync(join(dir, 'provisioning/datasources/witness-prometheus.yml'), 'utf8')).toContain(
        'url: http://prom.internal:9090',
      );
      const gov = JSON.parse(readFileSync(join(dir, 'dashboards/witness-governance.json'), 'utf8'));
      expect(gov.uid).toBe('witness-governance');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are well-formed: unique uids and panel ids, panels inside the 24-column grid, queries through $datasource', () => {
    const all = grafanaDashboards();
    expect(new Set(all.map((d) => d.dashboard.uid)).size).toBe(all.length);
    for (const { file, dashboard } of all) {
      const panels = dashboard.panels as Array<{
        id: number;
        title: string;
        gridPos: { x: number; w: number };
        targets: Array<{ datasource: { uid: string } }>;
      }>;
      expect(panels.length, file).toBeGreaterThanOrEqual(6);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const p of panels) {
        expect(p.gridPos.x + p.gridPos.w, `${file}: ${p.title}`).toBeLessThanOrEqual(24);
        expect(p.targets.length, `${file}: ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.datasource.uid).toBe(DATASOURCE_UID);
      }
      const vars = (dashboard.templating as { list: Array<{ name: string }> }).list.map((v) => v.name);
      expect(vars[0]).toBe('datasource');
    }
  });

  it('governance has team B panels with mode and workflow template variables', () => {
    const gov = grafanaDashboards().find((d) => d.file === 'witness-governance.json')!.dashboard;
    const vars = (gov.templating as { list: Array<{ name: string }> }).list.map((v) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['mode', 'workflow']));
    expect((gov.panels as unknown[]).length).toBeGreaterThanOrEqual(10);
  });

  it('the PromQL name extractor finds metrics and ignores functions, labels, keywords and variables', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, model) (rate(witness_llm_request_duration_seconds_bucket{model=~"$model",x="a b"}[$__rate_interval]))) / on(model) group_left sum without (type) (witness_x_total offset 5m) > bool 0',
      ),
    ).toEqual(['witness_llm_request_duration_seconds_bucket', 'witness_x_total']);
    expect(promqlMetricNames('label_values(witness_spans_total, service)')).toEqual(['witness_spans_total']);
    expect(promqlMetricNames('time() - max(witness_audit_last_checkpoint_timestamp_seconds)')).toEqual([
      'witness_audit_last_checkpoint_timestamp_seconds',
    ]);
  });

  it('every query names a metric that a Witness scrape declares', async () => {
    // The families Witness declares even before data arrives (derived + self + runtime).
    const { createMetrics } = await import('../packages/server/src/metrics/index.js');
    const { scrape } = await import('../packages/server/src/metrics/scrape.js');
    const m = createMetrics();
    const text = await scrape(m.derived, m.self, 'prometheus');
    const declared = new Set<string>(['up']);
    for (const l of text.split('\n')) {
      const t = /^# TYPE (\S+) (\w+)/.exec(l);
      if (!t) continue;
      declared.add(t[1]);
      if (t[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) declared.add(t[1] + s);
    }
    const unknown = dashboardQueries().flatMap((q) =>
      promqlMetricNames(q.expr)
        .filter((n) => !declared.has(n))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });
});
