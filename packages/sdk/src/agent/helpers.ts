import { type Attributes, type SpanKind, SpanKind as Kind, type Tracer, trace } from '@opentelemetry/api';
import {
  agentShape,
  decisionShape,
  describe,
  governanceShape,
  isPlainObject,
  llmShape,
  toolShape,
  warnOnce,
  warnOptions,
} from '../options/index.js';
import { activeContext, withContext } from '../trace/context.js';
import { setContextAttributes } from '../trace/context-attributes.js';
import { GENAI, type GenAiOperation, WITNESS } from './attributes.js';
import { ObservedSpan, recordError, type TokenUsage } from './observed-span.js';
import { toGenAiMessages, toPayload } from './serialize.js';

export interface AgentOptions {
  name: string;
  /** Stable id of the agent definition (`gen_ai.agent.id`). */
  id?: string;
  attributes?: Attributes;
}

export interface LlmOptions {
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`, `aws.bedrock`. */
  provider: string;
  model: string;
  /** @default 'chat' */
  operation?: GenAiOperation;
  /** Prompt messages; recorded as `gen_ai.input.messages`. */
  input?: unknown;
  temperature?: number;
  maxTokens?: number;
  /** Usage known up front (otherwise set it on the handle when the response arrives). */
  usage?: TokenUsage;
  costUsd?: number;
  attributes?: Attributes;
}

export interface ToolOptions {
  name: string;
  /** Arguments of the call; recorded as JSON in `gen_ai.tool.call.arguments`. */
  args?: unknown;
  /** The tool changes the world (writes, payments, emails…): the audit log singles these out. */
  sideEffect?: boolean;
  callId?: string;
  /** Record the function's return value as `gen_ai.tool.call.result`. @default true */
  captureResult?: boolean;
  attributes?: Attributes;
}

export interface DecisionOptions {
  choice: string;
  alternatives?: string[];
  /** 0..1; values outside are dropped. */
  confidence?: number;
  rationale?: string;
  attributes?: Attributes;
}

export interface GovernanceOptions {
  mode?: string;
  actor?: string;
  actorRole?: string;
  workflow?: string;
  outcome?: string;
}

type Thenable = PromiseLike<unknown>;
const isThenable = (v: unknown): v is Thenable =>
  v !== null &&
  (typeof v === 'object' || typeof v === 'function') &&
  typeof (v as Thenable).then === 'function';

/**
 * Runs `fn` inside a new active span and ends the span when `fn` returns or its promise settles.
 * Errors are recorded on the span and rethrown unchanged: the caller sees exactly what it would
 * have seen without instrumentation.
 */
export function runInSpan<R>(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  fn: (span: ObservedSpan) => R,
  onResult?: (span: ObservedSpan, result: unknown) => void,
): R {
  const parent = activeContext();
  const span = tracer.startSpan(name, { kind, attributes }, parent);
  const observed = new ObservedSpan(span);
  let result: R;
  try {
    result = withContext(trace.setSpan(parent, span), fn, observed);
  } catch (err) {
    recordError(span, err);
    span.end();
    throw err;
  }
  if (isThenable(result)) {
    return (result as PromiseLike<unknown>).then(
      (value) => {
        finish(observed, value, onResult);
        return value;
      },
      (err: unknown) => {
        recordError(span, err);
        span.end();
        throw err;
      },
    ) as R;
  }
  finish(observed, result, onResult);
  return result;
}

function finish(
  observed: ObservedSpan,
  value: unknown,
  onResult?: (s: ObservedSpan, r: unknown) => void,
): void {
  if (onResult !== undefined) {
    try {
      onResult(observed, value);
    } catch {
      // recording the result must not change what the caller gets
    }
  }
  observed.span.end();
}

/** Positional string arguments (`step(text)`, `session(id)`…): warned about once, never thrown. */
function checkString(where: string, what: string, v: unknown): void {
  if (typeof v !== 'string')
    warnOnce(
      `Witness ${where}: \`${what}\` must be a string, got ${describe(v)} (ignored; the call goes on)`,
    );
}

export function agent<R>(tracer: Tracer, opts: string | AgentOptions, fn: (span: ObservedSpan) => R): R {
  if (typeof opts !== 'string') warnOptions('agent()', opts, agentShape);
  const o = typeof opts === 'string' ? { name: opts } : (opts ?? { name: String(opts) });
  const attributes: Attributes = {
    ...o.attributes,
    [GENAI.operationName]: 'invoke_agent',
    [GENAI.agentName]: o.name,
    [WITNESS.kind]: 'agent',
    [WITNESS.agentName]: o.name,
  };
  if (o.id) attributes[GENAI.agentId] = o.id;
  return runInSpan(tracer, `invoke_agent ${o.name}`, Kind.INTERNAL, attributes, fn);
}

export function llm<R>(tracer: Tracer, opts: LlmOptions, fn: (span: ObservedSpan) => R): R {
  warnOptions('llm()', opts, llmShape);
  const o = opts ?? ({} as LlmOptions);
  const operation = o.operation ?? 'chat';
  const attributes: Attributes = {
    ...o.attributes,
    [GENAI.operationName]: operation,
    [GENAI.providerName]: o.provider,
    [GENAI.requestModel]: o.model,
    [WITNESS.kind]: operation === 'embeddings' ? 'embedding' : 'llm',
  };
  if (typeof o.temperature === 'number') attributes[GENAI.requestTemperature] = o.temperature;
  if (typeof o.maxTokens === 'number') attributes[GENAI.requestMaxTokens] = o.maxTokens;
  const input = toPayload(toGenAiMessages(o.input));
  if (input !== undefined) attributes[GENAI.inputMessages] = input;
  return runInSpan(tracer, `${operation} ${o.model}`, Kind.CLIENT, attributes, (span) => {
    span.usage(o.usage).cost(o.costUsd);
    return fn(span);
  });
}

export function tool<R>(tracer: Tracer, opts: string | ToolOptions, fn: (span: ObservedSpan) => R): R {
  if (typeof opts !== 'string') warnOptions('tool()', opts, toolShape);
  const o = typeof opts === 'string' ? { name: opts } : (opts ?? { name: String(opts) });
  const attributes: Attributes = {
    ...o.attributes,
    [GENAI.operationName]: 'execute_tool',
    [GENAI.toolName]: o.name,
    [WITNESS.kind]: 'tool',
    [WITNESS.toolSideEffect]: o.sideEffect === true,
  };
  if (o.callId) attributes[GENAI.toolCallId] = o.callId;
  const args = toPayload(o.args);
  if (args !== undefined) attributes[GENAI.toolCallArguments] = args;
  const capture = o.captureResult !== false;
  return runInSpan(tracer, `execute_tool ${o.name}`, Kind.INTERNAL, attributes, fn, (span, result) => {
    if (capture && result !== undefined) span.result(result);
  });
}

/** A reasoning step: with `fn`, a span around it; without, a point-in-time span holding the text. */
export function step<R = void>(tracer: Tracer, text: string, fn?: (span: ObservedSpan) => R): R {
  checkString('step()', 'text', text);
  const attributes: Attributes = { [WITNESS.kind]: 'step', [WITNESS.stepText]: text };
  return runInSpan(tracer, 'step', Kind.INTERNAL, attributes, fn ?? (() => undefined as R));
}

/** Records a decision the agent took, with what it could have done instead and how sure it was. */
export function decision(tracer: Tracer, opts: DecisionOptions): void {
  warnOptions('decision()', opts, decisionShape);
  const o = opts ?? ({} as DecisionOptions);
  const attributes: Attributes = {
    ...o.attributes,
    [WITNESS.kind]: 'decision',
    [WITNESS.decisionChoice]: o.choice,
  };
  if (Array.isArray(o.alternatives)) attributes[WITNESS.decisionAlternatives] = o.alternatives.map(String);
  if (typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1)
    attributes[WITNESS.decisionConfidence] = o.confidence;
  if (o.rationale) attributes[WITNESS.decisionRationale] = o.rationale;
  runInSpan(tracer, `decision ${o.choice}`, Kind.INTERNAL, attributes, () => undefined);
}

/** Runs `fn` with attributes copied onto every span started inside it. */
export function withAttributes<R>(attributes: Attributes, fn: () => R): R {
  if (!isPlainObject(attributes))
    warnOnce(
      `Witness withAttributes(): \`attributes\` must be an object, got ${describe(attributes)} (ignored; the call goes on)`,
    );
  return withContext(setContextAttributes(activeContext(), attributes), fn);
}

/** Every span inside belongs to this session (a conversation / a run the user sees as one). */
export function session<R>(id: string, fn: () => R): R {
  checkString('session()', 'id', id);
  return withAttributes({ [WITNESS.sessionId]: id, [GENAI.conversationId]: id }, fn);
}

export function user<R>(id: string, fn: () => R): R {
  checkString('user()', 'id', id);
  return withAttributes({ [WITNESS.userId]: id }, fn);
}

/** Governance context (who acts, under which mode and workflow) for every span inside. */
export function governance<R>(opts: GovernanceOptions, fn: () => R): R {
  warnOptions('governance()', opts, governanceShape);
  const o = opts ?? {};
  const attributes: Attributes = {};
  if (o.mode) attributes[WITNESS.governanceMode] = o.mode;
  if (o.actor) attributes[WITNESS.governanceActor] = o.actor;
  if (o.actorRole) attributes[WITNESS.governanceActorRole] = o.actorRole;
  if (o.workflow) attributes[WITNESS.governanceWorkflow] = o.workflow;
  if (o.outcome) attributes[WITNESS.governanceOutcome] = o.outcome;
  return withAttributes(attributes, fn);
}
