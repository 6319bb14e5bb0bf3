/**
 * Every PromQL expression in the shipped dashboards names only metrics that a running Witness exposes
 * after ingesting the demo workload (`witness demo`, sent with the official OTLP exporters).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runDemo } from '../packages/cli/src/demo/index.js';
import { dashboardQueries, promqlMetricNames } from './helpers/dashboard-queries.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

/** Names that exist without Witness (Prometheus's own `up`). */
const PROMETHEUS_NAMES = new Set(['up']);
/**
 * Declared by Witness but possibly without a sample after the demo, and why. Anything else must have
 * samples.
 */
const NO_SAMPLES_FROM_DEMO: Record<string, string> = {
  nodejs_gc_duration_seconds_sum: 'prom-client adds a GC series only after the first garbage collection',
  witness_governance_validation_failures_total:
    'the demo sends only complete governance (actor, mode, workflow)',
  witness_llm_time_to_first_token_seconds_bucket: 'the demo does not stream, so sends no time to first token',
  witness_ingest_rejected_total: 'the demo sends only valid data',
  witness_governance_violations_total: 'the demo server runs without governance.policies',
  witness_prescriptive_language_total: "the demo's LLM outputs hold no prescriptive phrases",
  witness_ingest_sink_errors_total: 'no sink fails during the demo',
};

const RULES_DIR = fileURLToPath(new URL('../deploy/prometheus/rules/', import.meta.url));

/** Alert and recording rule expressions shipped in deploy/prometheus/rules. */
function ruleExpressions(): { records: Set<string>; exprs: Array<{ where: string; expr: string }> } {
  const records = new Set<string>();
  const exprs: Array<{ where: string; expr: string }> = [];
  for (const file of readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(`${RULES_DIR}${file}`, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
    };
    for (const g of doc.groups)
      for (const r of g.rules) {
        if (r.record) records.add(r.record);
        exprs.push({ where: `${file} / ${r.alert ?? r.record}`, expr: r.expr });
      }
  }
  return { records, exprs };
}

describe('dashboards against a live Witness after the demo workload', () => {
  let w: WitnessProcess;
  let families = new Set<string>();
  let sampled = new Set<string>();

  beforeAll(async () => {
    w = await startWitness();
    const sent = await runDemo({ endpoint: w.url, traces: 12, seed: 7, spreadMinutes: 1 });
    expect(sent.spans).toBeGreaterThan(0);
    // Derived metrics follow the commit: wait until every demo span is counted.
    const deadline = Date.now() + 20_000;
    let text = '';
    for (;;) {
      text = await (await fetch(`${w.url}/metrics`)).text();
      const total = text
        .split('\n')
        .filter((l) => l.startsWith('witness_spans_total{'))
        .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      if (total >= sent.spans) break;
      if (Date.now() > deadline)
        throw new Error(`only ${total} of ${sent.spans} demo spans reached /metrics`);
      await new Promise((r) => setTimeout(r, 200));
    }
    families = new Set();
    sampled = new Set();
    for (const l of text.split('\n')) {
      const t = /^# TYPE (\S+) (\w+)/.exec(l);
      if (t) {
        families.add(t[1]);
        if (t[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) families.add(t[1] + s);
      } else if (l && !l.startsWith('#')) sampled.add(l.slice(0, l.search(/[{ ]/)));
    }
  }, 90_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('every dashboard query names a metric family Witness exposes', () => {
    const unknown = dashboardQueries().flatMap((q) =>
      promqlMetricNames(q.expr)
        .filter((n) => !PROMETHEUS_NAMES.has(n) && !families.has(n))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('and each has samples after the demo, except the few the demo cannot produce (listed with reasons)', () => {
    const names = new Set(dashboardQueries().flatMap((q) => promqlMetricNames(q.expr)));
    const empty = [...names].filter(
      (n) => !PROMETHEUS_NAMES.has(n) && !sampled.has(n) && !(n in NO_SAMPLES_FROM_DEMO),
    );
    expect(empty).toEqual([]);
    // the derived metrics the demo exercises really have data (not just a declared family)
    for (const n of [
      'witness_spans_total',
      'witness_llm_tokens_total',
      'witness_tool_calls_total',
      'witness_agent_runs_total',
    ]) {
      expect(sampled.has(n), n).toBe(true);
    }
  });

  it('the shipped alert and recording rules name only metrics Witness exposes too', () => {
    const { records, exprs } = ruleExpressions();
    expect(exprs.length).toBeGreaterThan(5);
    const unknown = exprs.flatMap((q) =>
      promqlMetricNames(q.expr)
        .filter((n) => !PROMETHEUS_NAMES.has(n) && !records.has(n) && !families.has(n))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });
});
