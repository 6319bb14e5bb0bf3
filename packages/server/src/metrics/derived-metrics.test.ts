import { describe, expect, it } from 'vitest';
import { DerivedMetrics, ProjectDerivedMetrics } from './derived-metrics.js';
import { scrape } from './scrape.js';
import { SelfMetrics } from './self-metrics.js';
import { testSpan } from './test-spans.js';

function sample(text: string, line: string): number | undefined {
  for (const l of text.split('\n')) {
    // the value is the first field after the series (an OpenMetrics exemplar may follow)
    if (l.startsWith(`${line} `)) return Number(l.slice(line.length + 1).split(' ')[0]);
  }
  return undefined;
}

describe('DerivedMetrics', () => {
  const m = new DerivedMetrics({ now: () => 1_000_000 });
  m.observe([
    testSpan({
      kind: 'agent',
      name: 'invoke_agent planner',
      agentName: 'planner',
      durationMs: 4000,
      sessionId: 's1',
      userId: 'u1',
    }),
    testSpan({
      kind: 'llm',
      name: 'chat gpt-4o',
      model: 'gpt-4o',
      provider: 'openai',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 30,
      costUsd: 0.25,
      agentName: 'planner',
      userId: 'u1',
      sessionId: 's1',
      durationMs: 1200,
      attributes: { 'gen_ai.server.time_to_first_token': 0.3 },
    }),
    testSpan({
      kind: 'llm',
      model: 'gpt-4o',
      provider: 'openai',
      inputTokens: 50,
      outputTokens: 5,
      reasoningTokens: 7,
      costUsd: 0.5,
      statusCode: 'error',
      userId: 'u2',
    }),
    testSpan({ kind: 'tool', toolName: 'web_search', durationMs: 30 }),
    testSpan({ kind: 'tool', toolName: 'web_search', statusCode: 'error', durationMs: 3000 }),
    testSpan({ kind: 'agent', agentName: 'coder', statusCode: 'error' }),
    testSpan({
      kind: 'decision',
      agentName: 'planner',
      decision: { choice: 'a', alternatives: [], confidence: 0.72, rationale: null },
    }),
    testSpan({
      kind: 'tool',
      toolName: 'write_file',
      governance: {
        mode: 'execute',
        actor: null,
        actorRole: 'engineer',
        workflow: 'change',
        outcome: 'denied',
      },
      attributes: { 'witness.governance.violation': 'invalid_mode' },
    }),
  ]);

  it('counts spans by service, kind and status, with duration histograms', async () => {
    const text = await scrape(m, new SelfMetrics({ runtime: false }), 'prometheus', 1_000_000);
    expect(sample(text, 'witness_spans_total{service="svc",kind="llm",status="ok"}')).toBe(1);
    expect(sample(text, 'witness_spans_total{service="svc",kind="llm",status="error"}')).toBe(1);
    expect(sample(text, 'witness_spans_total{service="svc",kind="tool",status="ok"}')).toBe(2);
    expect(sample(text, 'witness_span_duration_seconds_count{service="svc",kind="agent",status="ok"}')).toBe(
      1,
    );
    expect(
      sample(text, 'witness_span_duration_seconds_bucket{service="svc",kind="agent",status="ok",le="2.5"}'),
    ).toBe(0);
    expect(
      sample(text, 'witness_span_duration_seconds_bucket{service="svc",kind="agent",status="ok",le="5"}'),
    ).toBe(1);
    expect(
      sample(text, 'witness_span_duration_seconds_bucket{service="svc",kind="agent",status="ok",le="+Inf"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'witness_operation_duration_seconds_count{service="svc",kind="llm",operation="chat gpt-4o",status="ok"}',
      ),
    ).toBe(1);
  });

  it('derives LLM tokens by type, cost, TTFT and per-agent/per-user usage', async () => {
    const text = await scrape(m, new SelfMetrics({ runtime: false }), 'prometheus', 1_000_000);
    const tok = (type: string) =>
      sample(text, `witness_llm_tokens_total{model="gpt-4o",provider="openai",type="${type}"}`);
    expect([tok('input'), tok('output'), tok('cache_read'), tok('reasoning')]).toEqual([150, 25, 30, 7]);
    expect(sample(text, 'witness_llm_cost_usd_total{model="gpt-4o",provider="openai"}')).toBe(0.75);
    expect(sample(text, 'witness_llm_requests_total{model="gpt-4o",provider="openai",status="error"}')).toBe(
      1,
    );
    expect(
      sample(text, 'witness_llm_time_to_first_token_seconds_count{model="gpt-4o",provider="openai"}'),
    ).toBe(1);
    expect(sample(text, 'witness_agent_llm_tokens_total{agent="planner",type="input"}')).toBe(100);
    expect(sample(text, 'witness_user_llm_cost_usd_total{user="u2"}')).toBe(0.5);
    expect(sample(text, 'witness_active_sessions')).toBe(1);
    expect(sample(text, 'witness_active_users')).toBe(2);
  });

  it('derives tool, agent, decision and governance metrics', async () => {
    const text = await scrape(m, new SelfMetrics({ runtime: false }), 'prometheus', 1_000_000);
    expect(sample(text, 'witness_tool_calls_total{tool="web_search",status="error"}')).toBe(1);
    expect(sample(text, 'witness_tool_call_duration_seconds_sum{tool="web_search"}')).toBeCloseTo(3.03);
    expect(sample(text, 'witness_agent_runs_total{agent="planner",outcome="success"}')).toBe(1);
    expect(sample(text, 'witness_agent_runs_total{agent="coder",outcome="error"}')).toBe(1);
    expect(sample(text, 'witness_decision_confidence_bucket{agent="planner",le="0.7"}')).toBe(0);
    expect(sample(text, 'witness_decision_confidence_bucket{agent="planner",le="0.8"}')).toBe(1);
    expect(
      sample(
        text,
        'witness_governance_requests_total{mode="execute",actor_role="engineer",workflow="change"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'witness_governance_outcomes_total{mode="execute",workflow="change",outcome="denied"}'),
    ).toBe(1);
    expect(sample(text, 'witness_governance_validation_failures_total{reason="missing_actor"}')).toBe(1);
    expect(sample(text, 'witness_governance_validation_failures_total{reason="invalid_mode"}')).toBe(1);
  });

  it('counts a governed span whose mode is not one of governance.modes as invalid_mode (compared lower-cased)', async () => {
    const d = new DerivedMetrics({ now: () => 0, validModes: ['draft', 'Research', 'grunt', 'execute'] });
    const gov = (mode: string | null) => ({
      mode,
      actor: 'ann',
      actorRole: 'r',
      workflow: 'w',
      outcome: null,
    });
    d.observe([
      testSpan({ governance: gov('Execute') }),
      testSpan({ governance: gov('research') }),
      testSpan({ governance: gov('yolo') }),
      testSpan({ governance: gov(null) }),
    ]);
    const text = await scrape(d, new SelfMetrics({ runtime: false }), 'prometheus', 0);
    expect(sample(text, 'witness_governance_validation_failures_total{reason="invalid_mode"}')).toBe(1);
    expect(sample(text, 'witness_governance_validation_failures_total{reason="missing_mode"}')).toBe(1);
  });

  it('counts logs by service and severity range', async () => {
    const d = new DerivedMetrics();
    const log = (severityNumber: number) => ({
      timeUnixNano: 0n,
      observedTimeUnixNano: 0n,
      severityNumber,
      severityText: '',
      body: 'x',
      traceId: null,
      spanId: null,
      serviceName: 'svc',
      attributes: {},
      resource: {},
      scopeName: '',
    });
    d.observeLogs([log(0), log(9), log(12), log(17), log(24), log(99)]);
    const text = await scrape(d, new SelfMetrics({ runtime: false }), 'prometheus');
    expect(sample(text, 'witness_logs_total{service="svc",severity="info"}')).toBe(2);
    expect(sample(text, 'witness_logs_total{service="svc",severity="error"}')).toBe(1);
    expect(sample(text, 'witness_logs_total{service="svc",severity="fatal"}')).toBe(2);
    expect(sample(text, 'witness_logs_total{service="svc",severity="unspecified"}')).toBe(1);
  });

  it('writes OpenMetrics with counter families named without _total and an EOF marker', async () => {
    const text = await scrape(m, new SelfMetrics({ runtime: false }), 'openmetrics', 1_000_000);
    expect(text).toContain('# TYPE witness_spans counter\n');
    expect(sample(text, 'witness_spans_total{service="svc",kind="llm",status="ok"}')).toBe(1);
    expect(
      sample(text, 'witness_span_duration_seconds_bucket{service="svc",kind="agent",status="ok",le="5"}'),
    ).toBe(1);
    expect(text.endsWith('# EOF\n')).toBe(true);
    // exemplars on the span histogram buckets: the trace behind the latency
    expect(text).toMatch(
      /^witness_span_duration_seconds_bucket\{service="svc",kind="agent",status="ok",le="5"\} 1 # \{trace_id="[0-9a-f]{32}"\} 4 \d+\.\d{3}$/m,
    );
    // and none in the text format, which has no exemplars
    const plain = await scrape(m, new SelfMetrics({ runtime: false }), 'prometheus', 1_000_000);
    expect(plain).not.toContain('trace_id');
  });

  it('cardinality: 100,000 distinct models stay within the series limit, memory bounded, folded updates counted', async () => {
    const limit = 100;
    const d = new DerivedMetrics({ seriesLimit: limit, now: () => 0 });
    // One span object reused with a new model each time: what grows is only what the metrics keep.
    const span = testSpan({ kind: 'llm', provider: 'p', inputTokens: 3, outputTokens: 1, costUsd: 0.001 });
    const batch = [span];
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) {
      span.model = `model-${i}`;
      d.observe(batch);
    }
    const heapAfter = process.memoryUsage().heapUsed;
    for (const vec of [d.llmRequests, d.llmDuration, d.llmTokens, d.llmCost])
      expect(vec.seriesCount, vec.name).toBeLessThanOrEqual(limit);
    // tokens: 2 series per model (input, output); 99 slots before the overflow series
    expect(d.llmTokens.folded).toBe(200_000 - (limit - 1));
    expect(d.llmCost.folded).toBe(100_000 - (limit - 1));
    // Every token is still counted: the overflow series carries the folded ones.
    expect(d.llmTokens.series.reduce((a, s) => a + s.value, 0)).toBe(400_000);
    // Memory: keeping 100k models in 4 metrics would take far more than 16 MB.
    expect(heapAfter - heapBefore).toBeLessThan(16 * 1024 * 1024);
    const text = await scrape(d, new SelfMetrics({ runtime: false }), 'prometheus', 0);
    expect(sample(text, 'witness_metrics_series_folded_total{metric="witness_llm_cost_usd_total"}')).toBe(
      100_000 - (limit - 1),
    );
    expect(sample(text, 'witness_metrics_series{metric="witness_llm_tokens_total"}')).toBe(limit);
    expect(
      sample(text, 'witness_llm_cost_usd_total{model="__overflow__",provider="__overflow__"}'),
    ).toBeCloseTo((100_000 - 99) * 0.001, 6);
  });

  it('exposition budget: 20,000 hostile services keep both formats within the byte budget, every span still counted', async () => {
    const budget = 256 * 1024;
    const d = new DerivedMetrics({ maxExpositionBytes: budget, now: () => 0 });
    // Worst case per series: 128-character label values that double when escaped and take 3 bytes a
    // character in UTF-8, huge sums, exemplars on every bucket.
    const name = (i: number) => `"\\€${i}`.padEnd(128, '€"');
    const spans = [];
    for (let i = 0; i < 20_000; i++) {
      const span = testSpan({
        kind: 'llm',
        durationMs: 1e15,
        model: name(i),
        provider: name(i),
        inputTokens: 1e300,
      });
      span.serviceName = name(i);
      span.name = name(i);
      spans.push(span);
    }
    d.observe(spans);
    expect(d.budget.used).toBeLessThanOrEqual(budget);
    expect(d.budget.refused).toBeGreaterThan(0);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = await scrape(d, new SelfMetrics({ runtime: false }), format, 0);
      const derivedPart = text.slice(0, text.indexOf('# HELP witness_metrics_series '));
      expect(Buffer.byteLength(derivedPart), format).toBeLessThanOrEqual(budget);
      // the bound is an upper bound, not a wild over-estimate: most of it is really used
      expect(Buffer.byteLength(derivedPart), format).toBeGreaterThan(budget / 4);
      expect(sample(text, 'witness_metrics_exposition_budget_bytes')).toBe(budget);
    }
    // every span is still counted: the ones past the budget in the overflow series
    expect(d.spans.series.reduce((a, s) => a + s.value, 0)).toBe(20_000);
    const overflow = d.spans.series.find((s) => s.labelValues[0] === '__overflow__');
    expect(overflow?.value).toBeGreaterThan(0);
    expect(d.spanDuration.folded).toBe(overflow?.value);
  });

  it('per project: every series carries its project label, and all projects together stay within one budget', async () => {
    const budget = 128 * 1024;
    const p = new ProjectDerivedMetrics({ maxExpositionBytes: budget, maxProjects: 3, now: () => 0 });
    for (let project = 0; project < 5; project++) {
      const spans = Array.from({ length: 2000 }, (_, i) => {
        const span = testSpan({ kind: 'tool', toolName: `tool-${i}` });
        span.serviceName = `svc-${i}`;
        return span;
      });
      p.of(`project-${project}`).observe(spans);
    }
    // three projects of their own, the rest folded together
    expect(p.list().map(([name]) => name)).toEqual(['__overflow__', 'project-0', 'project-1', 'project-2']);
    // Label sets are taken while they fit; each project's overflow series are reserved up front
    // (unconditionally: folding must never need budget), so the charge is bounded by the budget plus
    // those reservations, and the exposition by the charge (project label included).
    expect(p.budget.refused).toBeGreaterThan(0);
    const reservePerProject = new DerivedMetrics({ labelPrefixBytes: 'project="__overflow__",'.length })
      .budget.used;
    expect(p.budget.used).toBeLessThanOrEqual(budget + 4 * reservePerProject);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = await scrape(p, new SelfMetrics({ runtime: false }), format, 0);
      const derivedPart = text.slice(0, text.indexOf('# HELP witness_metrics_series '));
      const headers =
        derivedPart
          .split('\n')
          .filter((l) => l.startsWith('#'))
          .join('\n').length + 1;
      expect(Buffer.byteLength(derivedPart) - headers, format).toBeLessThanOrEqual(p.budget.used);
      // every sample line of a derived family names its project first
      const samples = derivedPart.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(samples.length).toBeGreaterThan(100);
      for (const line of samples)
        expect(line, line).toMatch(/^[a-z_]+\{project="(project-[0-2]|__overflow__)"/);
      const one = await scrape(p, new SelfMetrics({ runtime: false }), format, 0, 'project-1');
      expect(one).toContain('project="project-1"');
      expect(one).not.toMatch(/project="project-[02]"|project="__overflow__"/);
    }
  });
});

describe('node label (several ingest nodes)', () => {
  it('puts node="<name>" before project on every derived series, and charges it to the budget', async () => {
    const p = new ProjectDerivedMetrics({ node: 'ingest-"a"' });
    const plain = new ProjectDerivedMetrics();
    for (const m of [p, plain]) m.of('p1').observe([testSpan({ kind: 'tool', toolName: 'refund' })]);
    const text = await scrape(p, new SelfMetrics({ runtime: false }), 'prometheus', 0);
    const derived = text.slice(0, text.indexOf('# HELP witness_metrics_series '));
    const samples = derived.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(5);
    for (const line of samples) expect(line, line).toMatch(/^[a-z_]+\{node="ingest-\\"a\\"",project="p1"/);
    expect(p.budget.used).toBeGreaterThan(plain.budget.used);
    // without a node name nothing changes
    const before = await scrape(plain, new SelfMetrics({ runtime: false }), 'prometheus', 0);
    expect(before).not.toContain('node=');
  });
});
