/**
 * Metrics derived from every normalized span (as Grafana Tempo's metrics-generator does), so nobody
 * writes metric code: RED by service/kind/operation, LLM calls/latency/TTFT/tokens/cost, tools, agent
 * runs, decision confidence, governance, active sessions and users.
 *
 * This runs on the ingest path for every span, so it avoids per-span allocation: label values are the
 * record's own strings, series are resolved through `series-vec.ts`, and the clock is read once a batch.
 */
import type { IngestSink } from '../ingest/types.js';
import type { SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';
import { ActiveSet } from './active-set.js';
import { type AnyVec, CounterVec, HistogramVec } from './series-vec.js';

/** Span and operation latencies: agents and LLM calls run for seconds to minutes. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];
const CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

const UNKNOWN = 'unknown';
const ACTIVE_WINDOW_MS = 5 * 60_000;

export interface DerivedMetricsOptions {
  /** Most series per metric, the overflow series included. @default 2000 */
  seriesLimit?: number;
  /** Longer label values are truncated. @default 128 */
  maxLabelValueLength?: number;
  /** The clock, for the active sessions/users window. @default Date.now */
  now?: () => number;
}

function ttftSeconds(span: SpanRecord): number | null {
  const v = span.attributes['gen_ai.server.time_to_first_token'];
  return typeof v === 'number' && v >= 0 ? v : null;
}

export class DerivedMetrics {
  readonly spans: CounterVec;
  readonly spanDuration: HistogramVec;
  readonly operationDuration: HistogramVec;
  readonly llmRequests: CounterVec;
  readonly llmDuration: HistogramVec;
  readonly llmTtft: HistogramVec;
  readonly llmTokens: CounterVec;
  readonly llmCost: CounterVec;
  readonly agentTokens: CounterVec;
  readonly agentCost: CounterVec;
  readonly userTokens: CounterVec;
  readonly userCost: CounterVec;
  readonly toolCalls: CounterVec;
  readonly toolDuration: HistogramVec;
  readonly agentRuns: CounterVec;
  readonly agentDuration: HistogramVec;
  readonly decisionConfidence: HistogramVec;
  readonly governanceRequests: CounterVec;
  readonly governanceOutcomes: CounterVec;
  readonly governanceDuration: HistogramVec;
  readonly governanceFailures: CounterVec;
  readonly sessions = new ActiveSet(ACTIVE_WINDOW_MS);
  readonly users = new ActiveSet(ACTIVE_WINDOW_MS);
  /** Every vector, in exposition order. */
  readonly all: AnyVec[] = [];
  private readonly now: () => number;

  constructor(options: DerivedMetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    const base = { limit: options.seriesLimit, maxValueLength: options.maxLabelValueLength };
    const counter = (name: string, help: string, labelNames: string[]) => {
      const v = new CounterVec({ ...base, name, help, labelNames });
      this.all.push(v);
      return v;
    };
    const histogram = (name: string, help: string, labelNames: string[], buckets = DURATION_BUCKETS) => {
      const v = new HistogramVec({ ...base, name, help, labelNames, buckets });
      this.all.push(v);
      return v;
    };
    this.spans = counter('witness_spans_total', 'Spans received, by service, kind and status (ok|error).', [
      'service',
      'kind',
      'status',
    ]);
    this.spanDuration = histogram(
      'witness_span_duration_seconds',
      'Span duration by service, kind and status.',
      ['service', 'kind', 'status'],
    );
    this.operationDuration = histogram(
      'witness_operation_duration_seconds',
      'Span duration by service, kind, operation (span name) and status; its _count is the request rate.',
      ['service', 'kind', 'operation', 'status'],
    );
    this.llmRequests = counter('witness_llm_requests_total', 'LLM calls by model, provider and status.', [
      'model',
      'provider',
      'status',
    ]);
    this.llmDuration = histogram(
      'witness_llm_request_duration_seconds',
      'LLM call latency by model and provider.',
      ['model', 'provider'],
    );
    this.llmTtft = histogram(
      'witness_llm_time_to_first_token_seconds',
      'Time to first token of streamed LLM calls (gen_ai.server.time_to_first_token).',
      ['model', 'provider'],
      TTFT_BUCKETS,
    );
    this.llmTokens = counter(
      'witness_llm_tokens_total',
      'LLM tokens by model, provider and type (input|output|cache_read|reasoning).',
      ['model', 'provider', 'type'],
    );
    this.llmCost = counter('witness_llm_cost_usd_total', 'LLM cost in US dollars by model and provider.', [
      'model',
      'provider',
    ]);
    this.agentTokens = counter(
      'witness_agent_llm_tokens_total',
      'LLM tokens by the agent that made the call, and type.',
      ['agent', 'type'],
    );
    this.agentCost = counter(
      'witness_agent_llm_cost_usd_total',
      'LLM cost in US dollars by the agent that made the call.',
      ['agent'],
    );
    this.userTokens = counter('witness_user_llm_tokens_total', 'LLM tokens by end user, and type.', [
      'user',
      'type',
    ]);
    this.userCost = counter('witness_user_llm_cost_usd_total', 'LLM cost in US dollars by end user.', [
      'user',
    ]);
    this.toolCalls = counter('witness_tool_calls_total', 'Tool calls by tool and status (ok|error).', [
      'tool',
      'status',
    ]);
    this.toolDuration = histogram('witness_tool_call_duration_seconds', 'Tool call latency by tool.', [
      'tool',
    ]);
    this.agentRuns = counter(
      'witness_agent_runs_total',
      'Agent runs (agent spans) by agent and outcome (success|error).',
      ['agent', 'outcome'],
    );
    this.agentDuration = histogram('witness_agent_run_duration_seconds', 'Agent run duration by agent.', [
      'agent',
    ]);
    this.decisionConfidence = histogram(
      'witness_decision_confidence',
      'Confidence (0..1) of agent decisions, by agent.',
      ['agent'],
      CONFIDENCE_BUCKETS,
    );
    this.governanceRequests = counter(
      'witness_governance_requests_total',
      'Governed requests by mode, actor role and workflow.',
      ['mode', 'actor_role', 'workflow'],
    );
    this.governanceOutcomes = counter(
      'witness_governance_outcomes_total',
      'Governed requests by mode, workflow and outcome.',
      ['mode', 'workflow', 'outcome'],
    );
    this.governanceDuration = histogram(
      'witness_governance_duration_seconds',
      'Governed workflow duration by workflow and outcome.',
      ['workflow', 'outcome'],
    );
    this.governanceFailures = counter(
      'witness_governance_validation_failures_total',
      'Governed requests failing validation, by reason (missing_actor, missing_mode, missing_workflow, or witness.governance.violation).',
      ['reason'],
    );
  }

  /** Updates every metric from one normalized batch. */
  observe(spans: readonly SpanRecord[]): void {
    const nowMs = this.now();
    for (let i = 0; i < spans.length; i++) this.observeSpan(spans[i], nowMs);
  }

  private observeSpan(s: SpanRecord, nowMs: number): void {
    const status = s.statusCode === 'error' ? 'error' : 'ok';
    const kind = s.kind;
    const d = Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e9;
    const seconds = Math.max(d, 0);
    this.spans.get(s.serviceName, kind, status).inc();
    this.spanDuration.get(s.serviceName, kind, status).observe(seconds);
    this.operationDuration.get(s.serviceName, kind, s.name, status).observe(seconds);
    if (s.sessionId !== null) this.sessions.touch(s.sessionId, nowMs);
    if (s.userId !== null) this.users.touch(s.userId, nowMs);

    if (kind === 'llm') this.observeLlm(s, status, seconds);
    else if (kind === 'tool') {
      const tool = s.toolName ?? UNKNOWN;
      this.toolCalls.get(tool, status).inc();
      this.toolDuration.get(tool).observe(seconds);
    } else if (kind === 'agent') {
      const agent = s.agentName ?? UNKNOWN;
      this.agentRuns.get(agent, status === 'error' ? 'error' : 'success').inc();
      this.agentDuration.get(agent).observe(seconds);
    }
    if (s.decision !== null && s.decision.confidence !== null) {
      this.decisionConfidence.get(s.agentName ?? UNKNOWN).observe(s.decision.confidence);
    }
    const g = s.governance;
    if (g !== null) {
      const mode = g.mode ?? UNKNOWN;
      const workflow = g.workflow ?? UNKNOWN;
      const outcome = g.outcome ?? (status === 'error' ? 'error' : 'success');
      this.governanceRequests.get(mode, g.actorRole ?? UNKNOWN, workflow).inc();
      this.governanceOutcomes.get(mode, workflow, outcome).inc();
      this.governanceDuration.get(workflow, outcome).observe(seconds);
      if (g.actor === null) this.governanceFailures.get('missing_actor').inc();
      if (g.mode === null) this.governanceFailures.get('missing_mode').inc();
      if (g.workflow === null) this.governanceFailures.get('missing_workflow').inc();
      const violation = s.attributes['witness.governance.violation'];
      if (typeof violation === 'string' && violation !== '') this.governanceFailures.get(violation).inc();
    }
  }

  private observeLlm(s: SpanRecord, status: string, seconds: number): void {
    const model = s.model ?? UNKNOWN;
    const provider = s.provider ?? UNKNOWN;
    this.llmRequests.get(model, provider, status).inc();
    this.llmDuration.get(model, provider).observe(seconds);
    const ttft = ttftSeconds(s);
    if (ttft !== null) this.llmTtft.get(model, provider).observe(ttft);
    const agent = s.agentName;
    const user = s.userId;
    this.tokens(model, provider, agent, user, 'input', s.inputTokens);
    this.tokens(model, provider, agent, user, 'output', s.outputTokens);
    this.tokens(model, provider, agent, user, 'cache_read', s.cacheReadTokens);
    this.tokens(model, provider, agent, user, 'reasoning', s.reasoningTokens);
    const cost = s.costUsd;
    if (cost !== null && cost > 0) {
      this.llmCost.get(model, provider).inc(cost);
      if (agent !== null) this.agentCost.get(agent).inc(cost);
      if (user !== null) this.userCost.get(user).inc(cost);
    }
  }

  private tokens(
    model: string,
    provider: string,
    agent: string | null,
    user: string | null,
    type: string,
    n: number | null,
  ): void {
    if (n === null || n <= 0) return;
    this.llmTokens.get(model, provider, type).inc(n);
    if (agent !== null) this.agentTokens.get(agent, type).inc(n);
    if (user !== null) this.userTokens.get(user, type).inc(n);
  }
}

/** The derived metrics as an ingest sink: told after the batch is durable, never awaited. */
export function derivedMetricsSink(metrics: DerivedMetrics): IngestSink {
  return {
    name: 'derived-metrics',
    durable: false,
    consume(batch: IngestBatch): void {
      if (batch.spans.length > 0) metrics.observe(batch.spans);
    },
  };
}
