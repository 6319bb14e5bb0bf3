/**
 * Metrics derived from every normalized span (as Grafana Tempo's metrics-generator does), so nobody
 * writes metric code: RED by service/kind/operation, LLM calls/latency/TTFT/tokens/cost, tools, agent
 * runs, decision confidence, governance, active sessions and users.
 *
 * This runs on the ingest path for every span, so it avoids per-span allocation: label values are the
 * record's own strings, series are resolved through `series-vec.ts`, and the clock is read once a batch.
 */
import type { IngestSink } from '../ingest/types.js';
import type { LogRecord, SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';
import { ActiveSet } from './active-set.js';
import { DEFAULT_MAX_EXPOSITION_BYTES, ExpositionBudget } from './exposition-budget.js';
import {
  type AnyVec,
  CountOfHistogram,
  type CounterSeries,
  CounterVec,
  type HistogramSeries,
  DEFAULT_MAX_VALUE_LENGTH,
  escapeLabelValue,
  HistogramVec,
} from './series-vec.js';

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
  /**
   * Most bytes of exposition all derived series together may take; past it new label sets fold into
   * their metric's overflow series. @default 4 MiB
   */
  maxExpositionBytes?: number;
  /** The clock, for the active sessions/users window. @default Date.now */
  now?: () => number;
  /** A budget shared with other DerivedMetrics (one per project): bounds their exposition together. */
  budget?: ExpositionBudget;
  /** Bytes the exposition adds before each series' labels (`project="p",`), charged to the budget. */
  labelPrefixBytes?: number;
  /**
   * The governance modes a team allows (compared lower-cased); a governed span with another mode counts
   * as a validation failure `invalid_mode`. @default [] (any mode is valid)
   */
  validModes?: readonly string[];
}

function ttftSeconds(span: SpanRecord): number | null {
  const v = span.attributes['gen_ai.server.time_to_first_token'];
  return typeof v === 'number' && v >= 0 ? v : null;
}

export class DerivedMetrics {
  readonly spans: CountOfHistogram;
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
  private readonly validModes: ReadonlySet<string>;
  readonly logs: CounterVec;
  readonly sessions = new ActiveSet(ACTIVE_WINDOW_MS);
  readonly users = new ActiveSet(ACTIVE_WINDOW_MS);
  /** Shared by every vector below: bounds the whole derived exposition. */
  readonly budget: ExpositionBudget;
  /** Every vector, in exposition order. */
  readonly all: AnyVec[] = [];
  private readonly now: () => number;
  private readonly toolSlots: SlotCache<OkErrDur<HistogramSeries>>;
  private readonly agentSlots: SlotCache<OkErrDur<HistogramSeries>>;
  private readonly llmSlots: SlotCache<LlmSlots>;
  private readonly agentUsage: SlotCache<UsageSlots>;
  private readonly userUsage: SlotCache<UsageSlots>;

  constructor(options: DerivedMetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.validModes = new Set((options.validModes ?? []).map((m) => m.toLowerCase()));
    this.budget =
      options.budget ?? new ExpositionBudget(options.maxExpositionBytes ?? DEFAULT_MAX_EXPOSITION_BYTES);
    const base = {
      limit: options.seriesLimit,
      maxValueLength: options.maxLabelValueLength,
      budget: this.budget,
      labelPrefixBytes: options.labelPrefixBytes,
    };
    const slotLimit = options.seriesLimit ?? 2000;
    const maxLen = options.maxLabelValueLength ?? DEFAULT_MAX_VALUE_LENGTH;
    const okErrDur = () => ({ ok: null, err: null, dur: null });
    const usage = (): UsageSlots => ({ tokens: [null, null, null, null], cost: null });
    this.toolSlots = new SlotCache(okErrDur, slotLimit, maxLen, 1);
    this.agentSlots = new SlotCache(okErrDur, slotLimit, maxLen, 1);
    this.llmSlots = new SlotCache(
      (): LlmSlots => ({
        ok: null,
        err: null,
        dur: null,
        ttft: null,
        tokens: [null, null, null, null],
        cost: null,
      }),
      slotLimit,
      maxLen,
      2,
    );
    this.agentUsage = new SlotCache(usage, slotLimit, maxLen, 1);
    this.userUsage = new SlotCache(usage, slotLimit, maxLen, 1);
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
    this.spanDuration = new HistogramVec({
      ...base,
      name: 'witness_span_duration_seconds',
      help: 'Span duration by service, kind and status.',
      labelNames: ['service', 'kind', 'status'],
      buckets: DURATION_BUCKETS,
      exemplars: true,
    });
    // Same labels as the duration histogram: its _count, exposed as a counter (one update per span).
    this.spans = new CountOfHistogram(
      'witness_spans_total',
      'Spans received, by service, kind and status (ok|error).',
      this.spanDuration,
    );
    this.all.push(this.spans, this.spanDuration);
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
      'Governed requests failing validation, by reason (missing_actor, missing_mode, missing_workflow, invalid_mode, or witness.governance.violation).',
      ['reason'],
    );
    this.logs = counter('witness_logs_total', 'Log records received, by service and severity.', [
      'service',
      'severity',
    ]);
  }

  /** Counts log records by service and severity (bounded: the seven OTLP severity ranges). */
  observeLogs(logs: readonly LogRecord[]): void {
    for (let i = 0; i < logs.length; i++) {
      const l = logs[i];
      this.logs.get(l.serviceName, SEVERITY[Math.min(6, Math.max(0, Math.ceil(l.severityNumber / 4)))]).inc();
    }
  }

  /** Updates every metric from one normalized batch. */
  observe(spans: readonly SpanRecord[]): void {
    const nowMs = this.now();
    for (let i = 0; i < spans.length; i++) this.observeSpan(spans[i], nowMs);
  }

  private observeSpan(s: SpanRecord, nowMs: number): void {
    const status = s.statusCode === 'error' ? 'error' : 'ok';
    const kind = s.kind;
    // Two Number conversions, no BigInt allocation; ~256 ns precision at today's epoch is plenty.
    const d = (Number(s.endTimeUnixNano) - Number(s.startTimeUnixNano)) / 1e9;
    const seconds = Math.max(d, 0);
    const base = this.spanDuration.get(s.serviceName, kind, status);
    // The span's trace is the exemplar of its bucket (OpenMetrics), so Grafana can jump to it.
    base.observeWithExemplar(seconds, s.traceId, Number(s.endTimeUnixNano) / 1e9);
    // The operation histogram hangs off the span series: one Map lookup by name instead of four.
    let op = base.children?.get(s.name);
    if (op === undefined) {
      op = this.operationDuration.get(s.serviceName, kind, s.name, status);
      if (!base.overflow && !op.overflow && s.name.length <= this.operationDuration.maxLen) {
        if (base.children === undefined) base.children = new Map();
        base.children.set(s.name, op);
      }
    }
    op.observe(seconds);
    if (s.sessionId !== null) this.sessions.touch(s.sessionId, nowMs);
    if (s.userId !== null) this.users.touch(s.userId, nowMs);

    if (kind === 'llm') this.observeLlm(s, status, seconds);
    else if (kind === 'tool') {
      const tool = s.toolName ?? UNKNOWN;
      const slots = this.toolSlots.get(tool);
      const calls =
        status === 'error'
          ? (slots.err ?? this.toolCalls.get(tool, status))
          : (slots.ok ?? this.toolCalls.get(tool, status));
      if (!calls.overflow) {
        if (status === 'error') slots.err = calls;
        else slots.ok = calls;
      }
      calls.inc();
      const dur = slots.dur ?? this.toolDuration.get(tool);
      if (!dur.overflow) slots.dur = dur;
      dur.observe(seconds);
    } else if (kind === 'agent') {
      const agent = s.agentName ?? UNKNOWN;
      const slots = this.agentSlots.get(agent);
      const outcome = status === 'error' ? 'error' : 'success';
      const runs =
        status === 'error'
          ? (slots.err ?? this.agentRuns.get(agent, outcome))
          : (slots.ok ?? this.agentRuns.get(agent, outcome));
      if (!runs.overflow) {
        if (status === 'error') slots.err = runs;
        else slots.ok = runs;
      }
      runs.inc();
      const dur = slots.dur ?? this.agentDuration.get(agent);
      if (!dur.overflow) slots.dur = dur;
      dur.observe(seconds);
    }
    if (s.decision !== null && s.decision.confidence !== null) {
      this.decisionConfidence.get(s.agentName ?? UNKNOWN).observe(s.decision.confidence);
    }
    if (s.governance !== null) this.observeGovernance(s, status, seconds);
  }

  private observeGovernance(s: SpanRecord, status: string, seconds: number): void {
    const g = s.governance as NonNullable<SpanRecord['governance']>;
    const mode = g.mode ?? UNKNOWN;
    const workflow = g.workflow ?? UNKNOWN;
    const outcome = g.outcome ?? (status === 'error' ? 'error' : 'success');
    this.governanceRequests.get(mode, g.actorRole ?? UNKNOWN, workflow).inc();
    this.governanceOutcomes.get(mode, workflow, outcome).inc();
    this.governanceDuration.get(workflow, outcome).observe(seconds);
    if (g.actor === null) this.governanceFailures.get('missing_actor').inc();
    if (g.mode === null) this.governanceFailures.get('missing_mode').inc();
    else if (this.validModes.size > 0 && !this.validModes.has(g.mode.toLowerCase()))
      this.governanceFailures.get('invalid_mode').inc();
    if (g.workflow === null) this.governanceFailures.get('missing_workflow').inc();
    const violation = s.attributes['witness.governance.violation'];
    if (typeof violation === 'string' && violation !== '') this.governanceFailures.get(violation).inc();
  }

  private observeLlm(s: SpanRecord, status: string, seconds: number): void {
    const model = s.model ?? UNKNOWN;
    const provider = s.provider ?? UNKNOWN;
    const m = this.llmSlots.get(model, provider);
    const req =
      status === 'error'
        ? (m.err ?? this.llmRequests.get(model, provider, status))
        : (m.ok ?? this.llmRequests.get(model, provider, status));
    if (!req.overflow) {
      if (status === 'error') m.err = req;
      else m.ok = req;
    }
    req.inc();
    const dur = m.dur ?? this.llmDuration.get(model, provider);
    if (!dur.overflow) m.dur = dur;
    dur.observe(seconds);
    const ttft = ttftSeconds(s);
    if (ttft !== null) {
      const t = m.ttft ?? this.llmTtft.get(model, provider);
      if (!t.overflow) m.ttft = t;
      t.observe(ttft);
    }
    const a = s.agentName === null ? null : this.agentUsage.get(s.agentName);
    const u = s.userId === null ? null : this.userUsage.get(s.userId);
    for (let i = 0; i < TOKEN_TYPES.length; i++) {
      const n =
        i === 0 ? s.inputTokens : i === 1 ? s.outputTokens : i === 2 ? s.cacheReadTokens : s.reasoningTokens;
      if (n === null || !(n > 0)) continue;
      const type = TOKEN_TYPES[i];
      const t = m.tokens[i] ?? this.llmTokens.get(model, provider, type);
      if (!t.overflow) m.tokens[i] = t;
      t.inc(n);
      if (a !== null) {
        const at = a.tokens[i] ?? this.agentTokens.get(s.agentName as string, type);
        if (!at.overflow) a.tokens[i] = at;
        at.inc(n);
      }
      if (u !== null) {
        const ut = u.tokens[i] ?? this.userTokens.get(s.userId as string, type);
        if (!ut.overflow) u.tokens[i] = ut;
        ut.inc(n);
      }
    }
    const cost = s.costUsd;
    if (cost !== null && cost > 0) {
      const c = m.cost ?? this.llmCost.get(model, provider);
      if (!c.overflow) m.cost = c;
      c.inc(cost);
      if (a !== null) {
        const ac = a.cost ?? this.agentCost.get(s.agentName as string);
        if (!ac.overflow) a.cost = ac;
        ac.inc(cost);
      }
      if (u !== null) {
        const uc = u.cost ?? this.userCost.get(s.userId as string);
        if (!uc.overflow) u.cost = uc;
        uc.inc(cost);
      }
    }
  }
}

const TOKEN_TYPES = ['input', 'output', 'cache_read', 'reasoning'] as const;
/** OTLP severity numbers 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal. */
const SEVERITY = ['unspecified', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * Series resolved per key (tool, agent, model+provider…), filled lazily. Overflow series are never
 * stored, so each folded update still goes through the vector and is counted. At most `limit` keys
 * are remembered (past it, lookups fall through to the vectors): memory stays bounded.
 */
class SlotCache<T> {
  private readonly byKey = new Map<string, Map<string, T> | T>();
  private size = 0;
  constructor(
    private readonly make: () => T,
    private readonly limit: number,
    private readonly maxLen: number,
    private readonly depth: 1 | 2,
  ) {}

  get(k0: string, k1 = ''): T {
    if (this.depth === 1) {
      const hit = this.byKey.get(k0) as T | undefined;
      if (hit !== undefined) return hit;
    } else {
      const hit = (this.byKey.get(k0) as Map<string, T> | undefined)?.get(k1);
      if (hit !== undefined) return hit;
    }
    const slots = this.make();
    // Truncated values would alias one label set under many raw keys: do not remember those.
    if (this.size < this.limit && k0.length <= this.maxLen && k1.length <= this.maxLen) {
      this.size++;
      if (this.depth === 1) this.byKey.set(k0, slots);
      else {
        let inner = this.byKey.get(k0) as Map<string, T> | undefined;
        if (inner === undefined) {
          inner = new Map();
          this.byKey.set(k0, inner);
        }
        inner.set(k1, slots);
      }
    }
    return slots;
  }
}

interface OkErrDur<D> {
  ok: CounterSeries | null;
  err: CounterSeries | null;
  dur: D | null;
}
interface LlmSlots extends OkErrDur<HistogramSeries> {
  ttft: HistogramSeries | null;
  tokens: Array<CounterSeries | null>;
  cost: CounterSeries | null;
}
interface UsageSlots {
  tokens: Array<CounterSeries | null>;
  cost: CounterSeries | null;
}

/** The label value of the projects past `maxProjects`, counted together. */
export const OVERFLOW_PROJECT = '__overflow__';

export interface ProjectMetricsOptions extends DerivedMetricsOptions {
  /** Projects with their own series at most; later ones share `project="__overflow__"`. @default 100 */
  maxProjects?: number;
  /**
   * With several nodes (`server.target` ingest): every series also carries `node="<name>"`, so the same
   * series from two ingest nodes stay two series and `sum without (node, instance)` adds them up.
   * @default null (no node label)
   */
  node?: string | null;
}

/**
 * The derived metrics of every project: one DerivedMetrics per project (the hot path stays a lookup
 * of the batch's project, then the same per-span code), exposed with a `project` label. They share
 * one exposition budget, so more projects never mean a larger exposition than configured.
 */
export class ProjectDerivedMetrics {
  readonly budget: ExpositionBudget;
  private readonly byProject = new Map<string, DerivedMetrics>();
  private readonly maxProjects: number;
  /** `node="…",` written before `project=` on every series, or '' (single node). */
  readonly nodePrefix: string;

  constructor(private readonly options: ProjectMetricsOptions = {}) {
    this.nodePrefix = options.node ? `node="${escapeLabelValue(options.node)}",` : '';
    this.budget = new ExpositionBudget(options.maxExpositionBytes ?? DEFAULT_MAX_EXPOSITION_BYTES);
    this.maxProjects = options.maxProjects ?? 100;
  }

  /** The project's metrics (the overflow project's once `maxProjects` projects have their own). */
  of(project: string): DerivedMetrics {
    const hit = this.byProject.get(project);
    if (hit !== undefined) return hit;
    const key = this.byProject.size < this.maxProjects ? project : OVERFLOW_PROJECT;
    let m = this.byProject.get(key);
    if (m === undefined) {
      // `project="<key>",` goes before every series' labels: charged with each series
      m = new DerivedMetrics({
        ...this.options,
        budget: this.budget,
        labelPrefixBytes: Buffer.byteLength(`${this.nodePrefix}project="${key}",`),
      });
      this.byProject.set(key, m);
    }
    return m;
  }

  /** (project, metrics) sorted by project; only `project`'s when given (none when it has no series). */
  list(project?: string | null): Array<[string, DerivedMetrics]> {
    if (project !== undefined && project !== null) {
      const m = this.byProject.get(project);
      return m === undefined ? [] : [[project, m]];
    }
    return [...this.byProject.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/** The derived metrics as an ingest sink: told after the batch is durable, never awaited. */
export function derivedMetricsSink(metrics: DerivedMetrics | ProjectDerivedMetrics): IngestSink {
  return {
    name: 'derived-metrics',
    durable: false,
    consume(batch: IngestBatch): void {
      const m = metrics instanceof ProjectDerivedMetrics ? metrics.of(batch.project) : metrics;
      if (batch.spans.length > 0) m.observe(batch.spans);
      if (batch.logs.length > 0) m.observeLogs(batch.logs);
    },
  };
}
