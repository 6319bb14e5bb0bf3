/**
 * The demo agent run: a planner agent that reasons, calls an LLM, decides whom to delegate to, and
 * hands work to a researcher and a coder agent, which call LLMs of three providers and tools (some with
 * side effects, some failing with a stack). Attribute names are OpenTelemetry GenAI (`gen_ai.*`) plus
 * Witness's own `witness.*` keys, exactly as an instrumented application would send them.
 */
import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type Logger, SeverityNumber } from '@opentelemetry/api-logs';
import type { Random } from './random.js';

interface Model {
  provider: string;
  request: string;
  response: string;
}

const MODELS: Model[] = [
  { provider: 'openai', request: 'gpt-4o', response: 'gpt-4o-2024-08-06' },
  { provider: 'openai', request: 'gpt-4.1-mini', response: 'gpt-4.1-mini-2025-04-14' },
  { provider: 'anthropic', request: 'claude-sonnet-4-5', response: 'claude-sonnet-4-5-20250929' },
  { provider: 'anthropic', request: 'claude-3-5-haiku', response: 'claude-3-5-haiku-20241022' },
  { provider: 'gcp.gemini', request: 'gemini-2.5-pro', response: 'gemini-2.5-pro' },
  { provider: 'gcp.gemini', request: 'gemini-2.5-flash', response: 'gemini-2.5-flash' },
];

/**
 * What a scripted incident does to the runs it overlaps (demo/incidents.ts decides when). Each effect
 * draws no extra random numbers unless it applies, so runs without an incident stay the same workload.
 */
export interface ScenarioEffects {
  /** LLM calls to this model (request name) take 6× longer plus 6 s: a provider latency spike. */
  slowModel?: string;
  /** This tool fails 85% of the time: an error burst (a dependency is down). */
  failingTool?: string;
  /** The researcher calls `read_docs` 40–60 times in a row without making progress: a runaway loop. */
  toolLoop?: boolean;
  /** The final answer is written from a huge context on the most expensive model: a cost outlier. */
  costOutlier?: boolean;
}

/** Models the demo uses, by request name (incidents pick theirs from here). */
export const DEMO_MODELS = [
  'gpt-4o',
  'gpt-4.1-mini',
  'claude-sonnet-4-5',
  'claude-3-5-haiku',
  'gemini-2.5-pro',
  'gemini-2.5-flash',
] as const;

const TASKS = [
  'Summarise the open incidents for the payments service',
  'Fix the flaky checkout integration test',
  'Draft a migration plan from Postgres 14 to 16',
  'Find why invoice emails are sent twice',
  'Add rate limiting to the public search endpoint',
  'Compare vector databases for our support bot',
];
export const DEMO_USERS = [
  'alice@example.com',
  'bob@example.com',
  'carol@example.com',
  'dmitri@example.com',
  'erin@example.com',
];
const ROLES = ['engineer', 'sre', 'support-lead'];

/** Shared by the spans of one run: a clock that moves forward as work happens (times in ms). */
interface RunState {
  rng: Random;
  tracer: Tracer;
  logger: Logger;
  clock: number;
  spans: number;
  logs: number;
  sessionId: string;
  userId: string;
  effects: ScenarioEffects;
}

function child(
  state: RunState,
  parent: Context,
  name: string,
  attributes: Attributes,
  kind = SpanKind.INTERNAL,
) {
  const span = state.tracer.startSpan(
    name,
    { kind, startTime: state.clock, attributes: { 'witness.session.id': state.sessionId, ...attributes } },
    parent,
  );
  state.spans++;
  return { span, ctx: trace.setSpan(parent, span) };
}

function end(state: RunState, span: Span, ms: number): void {
  state.clock += ms;
  span.end(state.clock);
}

function log(
  state: RunState,
  ctx: Context,
  severity: SeverityNumber,
  text: string,
  body: string,
  attrs: Attributes = {},
) {
  state.logger.emit({
    timestamp: state.clock,
    severityNumber: severity,
    severityText: text,
    body,
    attributes: { 'witness.session.id': state.sessionId, ...attrs },
    context: ctx,
  });
  state.logs++;
}

function llmCall(
  state: RunState,
  parent: Context,
  agent: string,
  prompt: string,
  model = state.rng.pick(MODELS),
  contextScale = 1,
) {
  const { rng } = state;
  const input = rng.int(300, 6000) * contextScale;
  const output = rng.int(40, 1200);
  const attrs: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': model.provider,
    'gen_ai.request.model': model.request,
    'gen_ai.response.model': model.response,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    'gen_ai.agent.name': agent,
    'gen_ai.response.finish_reasons': ['stop'],
    'witness.input': prompt,
    'witness.output': `(${agent}) ${rng.pick(['Here is the plan', 'I found three candidates', 'The fix is ready', 'Summary follows'])}.`,
  };
  if (rng.chance(0.3)) attrs['gen_ai.usage.cache_read.input_tokens'] = Math.floor(input / 3);
  // Some gateways report the billed amount; Witness prefers it over its price table.
  if (rng.chance(0.25)) attrs['witness.cost_usd'] = Number(((input * 2.5 + output * 10) / 1e6).toFixed(6));
  const { span, ctx } = child(state, parent, `chat ${model.request}`, attrs, SpanKind.CLIENT);
  const latency = rng.int(300, 4000);
  state.clock += state.effects.slowModel === model.request ? latency * 6 + 6000 : latency;
  log(
    state,
    ctx,
    SeverityNumber.DEBUG,
    'DEBUG',
    `llm call to ${model.request} used ${input + output} tokens`,
    {
      'gen_ai.request.model': model.request,
    },
  );
  end(state, span, 1);
}

function step(state: RunState, parent: Context, agent: string, text: string) {
  const { span } = child(state, parent, 'reasoning', {
    'witness.kind': 'step',
    'witness.agent.name': agent,
    'witness.step.text': text,
  });
  end(state, span, state.rng.int(5, 60));
}

function toolCall(
  state: RunState,
  parent: Context,
  agent: string,
  tool: string,
  args: Record<string, unknown>,
  opts: { sideEffect: boolean; failRate: number; governance?: Attributes },
): boolean {
  const { rng } = state;
  const { span, ctx } = child(
    state,
    parent,
    `execute_tool ${tool}`,
    {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': tool,
      'gen_ai.agent.name': agent,
      'gen_ai.tool.call.arguments': JSON.stringify(args),
      'witness.tool.side_effect': opts.sideEffect,
      ...(opts.governance ?? {}),
    },
    SpanKind.CLIENT,
  );
  state.clock += rng.int(20, 2500);
  const failed = rng.chance(state.effects.failingTool === tool ? 0.85 : opts.failRate);
  if (failed) {
    const err = new Error(
      `${tool} failed: ${rng.pick(['connection reset by peer', 'exit code 1', 'timeout after 30s', 'permission denied'])}`,
    );
    err.name = rng.pick(['ToolExecutionError', 'TimeoutError']);
    span.recordException(err, state.clock);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    log(state, ctx, SeverityNumber.ERROR, 'ERROR', `tool ${tool} failed: ${err.message}`, {
      'gen_ai.tool.name': tool,
    });
  } else {
    span.setAttribute('gen_ai.tool.call.result', JSON.stringify({ ok: true, items: rng.int(1, 9) }));
    log(state, ctx, SeverityNumber.INFO, 'INFO', `tool ${tool} finished`, { 'gen_ai.tool.name': tool });
  }
  end(state, span, 1);
  return !failed;
}

function decision(
  state: RunState,
  parent: Context,
  agent: string,
  choice: string,
  alternatives: string[],
  rationale: string,
) {
  const { span } = child(state, parent, `decide ${choice}`, {
    'witness.kind': 'decision',
    'witness.agent.name': agent,
    'witness.decision.choice': choice,
    'witness.decision.alternatives': alternatives,
    'witness.decision.confidence': Number((0.55 + state.rng.next() * 0.44).toFixed(2)),
    'witness.decision.rationale': rationale,
  });
  end(state, span, state.rng.int(2, 20));
}

function agentSpan(state: RunState, parent: Context, agent: string, extra: Attributes = {}) {
  return child(state, parent, `invoke_agent ${agent}`, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': agent,
    'witness.kind': 'agent',
    ...extra,
  });
}

function researcher(state: RunState, parent: Context, task: string): void {
  const { span, ctx } = agentSpan(state, parent, 'researcher');
  step(state, ctx, 'researcher', `I need sources about: ${task}`);
  toolCall(
    state,
    ctx,
    'researcher',
    'web_search',
    { query: task, top_k: 5 },
    { sideEffect: false, failRate: 0.1 },
  );
  toolCall(
    state,
    ctx,
    'researcher',
    'read_docs',
    { space: 'engineering' },
    { sideEffect: false, failRate: 0.05 },
  );
  if (state.effects.toolLoop) {
    // the agent keeps re-reading the same page instead of answering: the same call, over and over
    log(state, ctx, SeverityNumber.WARN, 'WARN', 'researcher is calling read_docs repeatedly');
    const repeats = state.rng.int(40, 60);
    for (let i = 0; i < repeats; i++)
      toolCall(
        state,
        ctx,
        'researcher',
        'read_docs',
        { space: 'engineering', page: 1 },
        { sideEffect: false, failRate: 0.05 },
      );
  }
  llmCall(state, ctx, 'researcher', `Summarise the findings for: ${task}`);
  end(state, span, 5);
}

function coder(state: RunState, parent: Context, task: string, role: string): boolean {
  const { rng } = state;
  const { span, ctx } = agentSpan(state, parent, 'coder');
  step(state, ctx, 'coder', 'Write the change, run the tests, then open a pull request.');
  llmCall(state, ctx, 'coder', `Write code for: ${task}`);
  const governance: Attributes = {
    'witness.governance.mode': rng.pick(['human_in_the_loop', 'autonomous', 'human_on_the_loop']),
    'witness.governance.actor': state.userId,
    'witness.governance.actor_role': role,
    'witness.governance.workflow': 'change-management',
  };
  toolCall(
    state,
    ctx,
    'coder',
    'write_file',
    { path: 'src/service.ts', bytes: rng.int(200, 4000) },
    { sideEffect: true, failRate: 0.03, governance },
  );
  const passed = toolCall(
    state,
    ctx,
    'coder',
    'run_tests',
    { suite: 'integration' },
    { sideEffect: false, failRate: 0.25 },
  );
  if (passed) {
    toolCall(
      state,
      ctx,
      'coder',
      'open_pull_request',
      { repo: 'acme/platform', draft: false },
      { sideEffect: true, failRate: 0.05, governance },
    );
  } else {
    llmCall(state, ctx, 'coder', 'The tests failed; propose a fix.');
    if (rng.chance(0.5)) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'gave up after failing tests' });
      log(state, ctx, SeverityNumber.WARN, 'WARN', 'coder gave up after failing tests');
      end(state, span, 5);
      return false;
    }
  }
  end(state, span, 5);
  return true;
}

/** One agent run: planner → (researcher, coder). Returns the spans and logs it produced. */
export function runScenario(opts: {
  rng: Random;
  tracer: Tracer;
  logger: Logger;
  root: Context;
  startMs: number;
  sessionId: string;
  effects?: ScenarioEffects;
  /** The session's user; picked per run when not given (the one-shot demo). */
  userId?: string;
}): { spans: number; logs: number; endMs: number } {
  const { rng } = opts;
  const userId = opts.userId ?? rng.pick(DEMO_USERS);
  const role = rng.pick(ROLES);
  const task = rng.pick(TASKS);
  const state: RunState = {
    ...opts,
    clock: opts.startMs,
    spans: 0,
    logs: 0,
    userId,
    effects: opts.effects ?? {},
  };
  const { span, ctx } = agentSpan(state, opts.root, 'planner', {
    'witness.user.id': userId,
    'witness.input': task,
    'witness.governance.mode': 'human_on_the_loop',
    'witness.governance.actor': userId,
    'witness.governance.actor_role': role,
    'witness.governance.workflow': 'engineering-request',
  });
  log(state, ctx, SeverityNumber.INFO, 'INFO', `run started: ${task}`, { 'enduser.id': userId });
  step(state, ctx, 'planner', `Break "${task}" into research and implementation.`);
  llmCall(state, ctx, 'planner', `Plan the work for: ${task}`, MODELS[rng.int(0, 1)]);
  const needsCode = rng.chance(0.7);
  decision(
    state,
    ctx,
    'planner',
    needsCode ? 'delegate_research_and_code' : 'delegate_research_only',
    ['delegate_research_and_code', 'delegate_research_only', 'answer_directly', 'ask_user'],
    needsCode ? 'The task needs a code change.' : 'The task is a question; no change needed.',
  );
  researcher(state, ctx, task);
  let ok = true;
  if (needsCode) ok = coder(state, ctx, task, role);
  if (state.effects.costOutlier)
    // the whole research dump pasted into the most expensive model, ~100× the usual context
    llmCall(state, ctx, 'planner', 'Write the final answer for the user.', MODELS[2], 100);
  else llmCall(state, ctx, 'planner', 'Write the final answer for the user.', MODELS[rng.int(2, 5)]);
  span.setAttribute(
    'witness.output',
    ok ? 'Done: see the pull request.' : 'Could not finish: tests keep failing.',
  );
  if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the coder agent did not finish' });
  log(
    state,
    ctx,
    ok ? SeverityNumber.INFO : SeverityNumber.ERROR,
    ok ? 'INFO' : 'ERROR',
    ok ? 'run finished' : 'run failed',
  );
  end(state, span, 10);
  return { spans: state.spans, logs: state.logs, endMs: state.clock };
}
