/**
 * Agent-behaviour anomalies, per run (one trace): tool-call loops (the same tool with the same arguments
 * N times), runs whose cost, tokens or step count is far above the agent's own median, and tools or models
 * an agent with a history never used before. Only Witness sees these: they need the trace tree's agent,
 * tool and argument fields, not a metric.
 *
 * A run ends when its root span arrives (an SDK exports the root last, when the run returns), or after
 * `runIdleMs` without spans (a root from another service may never come). Bounds: `maxOpenRuns` runs in
 * flight (the oldest is finished early past it), `maxAgents` agent histories (new agents beyond are not
 * judged), 256 distinct calls, 32 tools and 32 models per run, 256 known tools and models per agent.
 * Pure apart from the ids it draws; callers pass `now`.
 */
import { type AnomalyEvent, fmt, NO_LABELS, ratioScore } from './anomaly-event.js';
import type { SpanPoint } from './series-watch.js';

export interface RunWatchOptions {
  /** Identical tool calls (same tool, same arguments) in one run that make a loop. */
  loopThreshold: number;
  /** A run costing (or using tokens or steps) this many times the agent's median is an anomaly. */
  runRatio: number;
  /** Finished runs an agent needs before its runs are compared with its history (and new tools count). */
  minHistory: number;
  maxOpenRuns: number;
  /** A run with no span for this long (wall clock) is finished. */
  runIdleMs: number;
  maxAgents: number;
  newId: () => string;
}

const HISTORY = 99; // runs per agent the median is taken over (odd: one middle value)
const MAX_CALL_KEYS = 256;
const MAX_RUN_NAMES = 32;
const MAX_KNOWN = 256;
/** A loop still running at this many times the threshold is reported before its run ends. */
const RUNAWAY = 10;
const MEASURES = ['cost', 'tokens', 'steps'] as const;
const MEDIAN_EVERY = 8;
type Measure = (typeof MEASURES)[number];

/** FNV-1a: the arguments are compared by a 32-bit hash (kept per distinct call, not the text). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Run {
  service: string;
  agent: string | null = null;
  cost = 0;
  tokens = 0;
  steps = 0;
  endMs = 0;
  lastSeenMs = 0;
  readonly calls = new Map<string, number>();
  readonly tools = new Set<string>();
  readonly models = new Set<string>();
  readonly reported = new Set<string>();

  constructor(
    readonly project: string,
    readonly traceId: string,
    service: string,
  ) {
    this.service = service;
  }
}

class AgentHistory {
  readonly values: Record<Measure, Float64Array> = {
    cost: new Float64Array(HISTORY),
    tokens: new Float64Array(HISTORY),
    steps: new Float64Array(HISTORY),
  };
  runs = 0;
  readonly tools = new Set<string>();
  readonly models = new Set<string>();

  /** Medians as of `medianAt` runs: recomputed every MEDIAN_EVERY runs (a median of 99 barely moves). */
  private readonly medians: Record<Measure, number> = { cost: 0, tokens: 0, steps: 0 };
  private medianAt = -1;

  median(m: Measure): number {
    if (this.medianAt < 0 || this.runs - this.medianAt >= MEDIAN_EVERY) {
      for (const k of MEASURES) this.medians[k] = this.exactMedian(k);
      this.medianAt = this.runs;
    }
    return this.medians[m];
  }

  private exactMedian(m: Measure): number {
    const n = Math.min(this.runs, HISTORY);
    const sorted = this.values[m].slice(0, n).sort();
    return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  }

  remember(run: Run): void {
    const at = this.runs % HISTORY;
    this.values.cost[at] = run.cost;
    this.values.tokens[at] = run.tokens;
    this.values.steps[at] = run.steps;
    this.runs++;
    for (const t of run.tools) if (this.tools.size < MAX_KNOWN) this.tools.add(t);
    for (const m of run.models) if (this.models.size < MAX_KNOWN) this.models.add(m);
  }
}

export interface RunWatchStats {
  openRuns: number;
  agents: number;
  /** Runs finished early because `maxOpenRuns` were in flight. */
  runsCutShort: number;
}

export class RunWatch {
  /** Insertion order = oldest first, which is what the cap finishes early. */
  private readonly runs = new Map<string, Run>();
  private readonly agents = new Map<string, AgentHistory>();
  private runsCutShort = 0;

  constructor(private readonly options: RunWatchOptions) {}

  get stats(): RunWatchStats {
    return { openRuns: this.runs.size, agents: this.agents.size, runsCutShort: this.runsCutShort };
  }

  observe(p: SpanPoint, nowMs: number, out: AnomalyEvent[]): void {
    const key = `${p.project}\u0000${p.traceId}`;
    let run = this.runs.get(key);
    if (run === undefined) {
      if (this.runs.size >= this.options.maxOpenRuns) {
        const [oldestKey, oldest] = this.runs.entries().next().value as [string, Run];
        this.runs.delete(oldestKey);
        this.runsCutShort++;
        this.finish(oldest, out);
      }
      run = new Run(p.project, p.traceId, p.service);
      this.runs.set(key, run);
    }
    run.lastSeenMs = nowMs;
    run.endMs = Math.max(run.endMs, p.endMs);
    if (p.kind === 'agent' && p.agent !== null && run.agent === null) {
      run.agent = p.agent;
      run.service = p.service;
    }
    if (p.kind === 'llm' || p.kind === 'embedding') {
      run.cost += p.cost;
      run.tokens += p.tokens;
      run.steps++;
      if (p.model !== null && run.models.size < MAX_RUN_NAMES) run.models.add(p.model);
    }
    if (p.kind === 'tool') {
      run.steps++;
      const tool = p.tool ?? '(unnamed tool)';
      if (run.tools.size < MAX_RUN_NAMES) run.tools.add(tool);
      const callKey = `${tool}\u0000${hash(p.input ?? '')}`;
      const seen = run.calls.get(callKey);
      if (seen !== undefined) run.calls.set(callKey, seen + 1);
      else if (run.calls.size < MAX_CALL_KEYS) run.calls.set(callKey, 1);
      if (seen !== undefined && seen + 1 === RUNAWAY * this.options.loopThreshold)
        this.loop(run, callKey, out);
    }
    if (p.parentSpanId === null) {
      this.runs.delete(key);
      this.finish(run, out);
    }
  }

  /** Finishes runs that went quiet. */
  tick(nowMs: number, out: AnomalyEvent[]): void {
    for (const [key, run] of this.runs) {
      if (nowMs - run.lastSeenMs < this.options.runIdleMs) continue;
      this.runs.delete(key);
      this.finish(run, out);
    }
  }

  private loop(run: Run, callKey: string, out: AnomalyEvent[]): void {
    if (run.reported.has(callKey)) return;
    run.reported.add(callKey);
    const count = run.calls.get(callKey)!;
    const tool = callKey.slice(0, callKey.indexOf('\u0000'));
    out.push({
      id: this.options.newId(),
      project: run.project,
      kind: 'tool_loop',
      metric: tool,
      labels: { ...NO_LABELS, service: run.service, agent: run.agent, tool },
      timeMs: run.endMs,
      score: ratioScore(count, this.options.loopThreshold),
      value: count,
      expected: null,
      lower: null,
      upper: this.options.loopThreshold - 1,
      traceIds: [run.traceId],
      message: `${tool} was called ${count} times with the same arguments in one run${run.agent ? ` of ${run.agent}` : ''}`,
      points: [],
    });
  }

  private finish(run: Run, out: AnomalyEvent[]): void {
    for (const [callKey, count] of run.calls)
      if (count >= this.options.loopThreshold) this.loop(run, callKey, out);
    if (run.agent === null) return; // runs are judged against their agent's history
    const agentKey = `${run.project}\u0000${run.service}\u0000${run.agent}`;
    let history = this.agents.get(agentKey);
    if (history === undefined) {
      if (this.agents.size >= this.options.maxAgents) return;
      history = new AgentHistory();
      this.agents.set(agentKey, history);
    }
    if (history.runs >= this.options.minHistory) this.judge(run, history, out);
    history.remember(run);
  }

  private judge(run: Run, history: AgentHistory, out: AnomalyEvent[]): void {
    const labels = { ...NO_LABELS, service: run.service, agent: run.agent };
    const base = { project: run.project, labels, timeMs: run.endMs, traceIds: [run.traceId], points: [] };
    for (const m of MEASURES) {
      const median = history.median(m);
      const value = run[m];
      // a free agent (median 0) has no scale to be 50× of: its costly run shows up on the cost series
      if (!(median > 0) || value < this.options.runRatio * median) continue;
      const ratio = value / median;
      out.push({
        ...base,
        id: this.options.newId(),
        kind: `run_${m}`,
        metric: m,
        score: ratioScore(ratio, this.options.runRatio),
        value,
        expected: median,
        lower: null,
        upper: this.options.runRatio * median,
        message: `a run of ${run.agent} used ${fmt(value)} ${m === 'cost' ? 'USD' : m}, ${fmt(ratio)}× its median of ${fmt(median)}`,
      });
    }
    for (const [kind, seen, known] of [
      ['new_tool', run.tools, history.tools],
      ['new_model', run.models, history.models],
    ] as const) {
      for (const name of seen) {
        if (known.has(name) || known.size >= MAX_KNOWN) continue;
        out.push({
          ...base,
          labels: kind === 'new_tool' ? { ...labels, tool: name } : { ...labels, model: name },
          id: this.options.newId(),
          kind,
          metric: name,
          score: 0.5,
          value: null,
          expected: null,
          lower: null,
          upper: null,
          message: `${run.agent} used ${kind === 'new_tool' ? 'tool' : 'model'} ${name} for the first time in ${history.runs} runs`,
        });
      }
    }
  }
}
