/**
 * A real Prometheus (Debian's `prometheus`) scrapes a real Witness: we send a known set of spans with the
 * official OpenTelemetry exporter, then read back through Prometheus's HTTP API the span counts, token
 * sums and histogram counts we sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracerProvider } from './helpers/otel.js';
import {
  type RunningPrometheus,
  skipWithoutPrometheus,
  startPrometheus,
} from './helpers/prometheus-binaries.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const { skip, reason } = skipWithoutPrometheus();
const SERVICE = 'prom-e2e';
const LLM = 30;
const TOOLS = 20;
const TOOL_ERRORS = 5;
const AGENTS = 7;
const inputTokens = (i: number) => 100 + i;
const outputTokens = (i: number) => 10 + i;
const sum = (n: number, f: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => f(i)).reduce((a, b) => a + b, 0);

/** Trace ids of the tool spans sent, to check the exemplars Prometheus stored. */
const toolTraceIds = new Set<string>();

async function sendKnownSpans(url: string): Promise<void> {
  const provider = tracerProvider(url, SERVICE);
  const tracer = provider.getTracer('prom-e2e');
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < LLM; i++) {
    const s = tracer.startSpan(`chat gpt-4o`, {
      startTime: t0 + i,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': inputTokens(i),
        'gen_ai.usage.output_tokens': outputTokens(i),
        'witness.cost_usd': 0.01,
      },
    });
    s.end(t0 + i + 1500); // 1.5 s: the (1, 2.5] bucket
  }
  for (let i = 0; i < TOOLS; i++) {
    const s = tracer.startSpan('execute_tool web_search', {
      startTime: t0 + i,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'web_search' },
    });
    toolTraceIds.add(s.spanContext().traceId);
    if (i < TOOL_ERRORS) s.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    s.end(t0 + i + 200); // 0.2 s: the (0.1, 0.25] bucket
  }
  for (let i = 0; i < AGENTS; i++) {
    const s = tracer.startSpan('invoke_agent planner', {
      startTime: t0 + i,
      attributes: { 'witness.kind': 'agent', 'gen_ai.agent.name': 'planner' },
    });
    s.end(t0 + i + 4000);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

describe.skipIf(skip)(`Prometheus scraping Witness${reason}`, () => {
  let w: WitnessProcess;
  let prom: RunningPrometheus | null = null;
  let promUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'witness-prom-'));

  async function query(
    expr: string,
  ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }
  const scalar = async (expr: string) => {
    const r = await query(expr);
    return r.length === 0 ? null : Number(r[0].value[1]);
  };

  beforeAll(async () => {
    w = await startWitness();
    await sendKnownSpans(w.url);
    prom = await startPrometheus(dir, new URL(w.url).host);
    promUrl = prom.url;
    // Ready once Prometheus has scraped every span we sent (the metrics follow the commit).
    const total = LLM + TOOLS + AGENTS;
    const deadline = Date.now() + 40_000;
    for (;;) {
      try {
        if ((await scalar(`sum(witness_spans_total{service="${SERVICE}"})`)) === total) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`Prometheus did not see ${total} spans in time; its log:\n${prom.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the target is up and scraped', async () => {
    expect(await scalar('up{job="witness"}')).toBe(1);
  });

  it('span counts by kind and status equal what was sent', async () => {
    const rows = await query(`sum by (kind, status) (witness_spans_total{service="${SERVICE}"})`);
    const got = Object.fromEntries(
      rows.map((r) => [`${r.metric.kind}/${r.metric.status}`, Number(r.value[1])]),
    );
    expect(got).toEqual({
      'llm/ok': LLM,
      'tool/ok': TOOLS - TOOL_ERRORS,
      'tool/error': TOOL_ERRORS,
      'agent/ok': AGENTS,
    });
    expect(await scalar('sum(witness_tool_calls_total{tool="web_search",status="error"})')).toBe(TOOL_ERRORS);
    expect(await scalar('sum(witness_agent_runs_total{agent="planner",outcome="success"})')).toBe(AGENTS);
  });

  it('token sums by type and cost equal what was sent', async () => {
    const tokens = async (type: string) =>
      scalar(`sum(witness_llm_tokens_total{model=~"gpt-4o.*",provider="openai",type="${type}"})`);
    expect(await tokens('input')).toBe(sum(LLM, inputTokens));
    expect(await tokens('output')).toBe(sum(LLM, outputTokens));
    expect(await scalar('sum(witness_llm_cost_usd_total{provider="openai"})')).toBeCloseTo(LLM * 0.01, 9);
    expect(await scalar('sum(witness_llm_requests_total{provider="openai"})')).toBe(LLM);
  });

  it('histogram counts and buckets equal what was sent', async () => {
    const sel = `service="${SERVICE}",kind="tool"`;
    expect(await scalar(`sum(witness_span_duration_seconds_count{${sel}})`)).toBe(TOOLS);
    expect(await scalar(`sum(witness_span_duration_seconds_bucket{${sel},le="0.1"})`)).toBe(0);
    expect(await scalar(`sum(witness_span_duration_seconds_bucket{${sel},le="0.25"})`)).toBe(TOOLS);
    expect(await scalar(`sum(witness_span_duration_seconds_sum{${sel}})`)).toBeCloseTo(TOOLS * 0.2, 6);
    expect(await scalar('sum(witness_llm_request_duration_seconds_bucket{provider="openai",le="1"})')).toBe(
      0,
    );
    expect(await scalar('sum(witness_llm_request_duration_seconds_bucket{provider="openai",le="2.5"})')).toBe(
      LLM,
    );
    expect(await scalar('sum(witness_tool_call_duration_seconds_count{tool="web_search"})')).toBe(TOOLS);
  });

  it('Witness health and runtime metrics are scraped too', async () => {
    expect(await scalar('sum(witness_build_info)')).toBe(1);
    expect(await scalar('sum(nodejs_heap_size_used_bytes)')).toBeGreaterThan(0);
  });

  it('stores the OpenMetrics exemplars: span latency buckets point at the traces that were sent', async () => {
    const end = Date.now() / 1000 + 60;
    const expr = encodeURIComponent(`witness_span_duration_seconds_bucket{service="${SERVICE}",kind="tool"}`);
    const res = await fetch(`${promUrl}/api/v1/query_exemplars?query=${expr}&start=${end - 3600}&end=${end}`);
    const body = (await res.json()) as {
      status: string;
      data: Array<{ exemplars: Array<{ labels: { trace_id: string }; value: string }> }>;
    };
    expect(body.status).toBe('success');
    const exemplars = body.data.flatMap((d) => d.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    for (const e of exemplars) {
      expect(toolTraceIds.has(e.labels.trace_id)).toBe(true);
      expect(Number(e.value)).toBeCloseTo(0.2, 6);
    }
  });
});
