import { type AttributeValue, type Span, SpanStatusCode } from '@opentelemetry/api';
import { GENAI, WITNESS } from './attributes.js';
import { toGenAiMessages, toPayload } from './serialize.js';

/** Token usage of one model call; every field optional (providers report different subsets). */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache. */
  cacheCreationTokens?: number;
  /** Output tokens spent on hidden reasoning (a subset of outputTokens). */
  reasoningTokens?: number;
}

/**
 * What the helpers hand to the wrapped function: the span plus typed setters for agent data.
 * Every setter ignores bad input instead of throwing: instrumentation must not break the agent.
 */
export class ObservedSpan {
  constructor(readonly span: Span) {}

  set(key: string, value: AttributeValue | undefined): this {
    if (value !== undefined) this.span.setAttribute(key, value);
    return this;
  }

  usage(u: TokenUsage | undefined): this {
    if (!u) return this;
    const s = this.span;
    if (isCount(u.inputTokens)) s.setAttribute(GENAI.inputTokens, u.inputTokens);
    if (isCount(u.outputTokens)) s.setAttribute(GENAI.outputTokens, u.outputTokens);
    if (isCount(u.cacheReadTokens)) s.setAttribute(GENAI.cacheReadInputTokens, u.cacheReadTokens);
    if (isCount(u.cacheCreationTokens)) s.setAttribute(GENAI.cacheCreationInputTokens, u.cacheCreationTokens);
    if (isCount(u.reasoningTokens)) s.setAttribute(GENAI.reasoningOutputTokens, u.reasoningTokens);
    return this;
  }

  /** Cost in USD as the provider or the application knows it; wins over Witness's price table. */
  cost(usd: number | undefined): this {
    if (typeof usd === 'number' && Number.isFinite(usd) && usd >= 0)
      this.span.setAttribute(WITNESS.costUsd, usd);
    return this;
  }

  responseModel(model: string | undefined): this {
    if (model) this.span.setAttribute(GENAI.responseModel, model);
    return this;
  }

  responseId(id: string | undefined): this {
    if (id) this.span.setAttribute(GENAI.responseId, id);
    return this;
  }

  finishReasons(reasons: Array<string | null | undefined> | undefined): this {
    const r = reasons?.filter((x): x is string => typeof x === 'string');
    if (r && r.length > 0) this.span.setAttribute(GENAI.responseFinishReasons, r);
    return this;
  }

  /** Prompt messages ({role, content} or GenAI {role, parts}), stored as `gen_ai.input.messages`. */
  input(messages: unknown): this {
    const text = toPayload(toGenAiMessages(messages));
    if (text !== undefined) this.span.setAttribute(GENAI.inputMessages, text);
    return this;
  }

  /** Model output messages, stored as `gen_ai.output.messages`. */
  output(messages: unknown): this {
    const text = toPayload(toGenAiMessages(messages));
    if (text !== undefined) this.span.setAttribute(GENAI.outputMessages, text);
    return this;
  }

  /** A tool call's result (any JSON-able value), stored as `gen_ai.tool.call.result`. */
  result(value: unknown): this {
    const text = toPayload(value);
    if (text !== undefined) this.span.setAttribute(GENAI.toolCallResult, text);
    return this;
  }

  /** Records an error: exception event (type, message, stack), `error.type`, status ERROR. */
  error(err: unknown): this {
    recordError(this.span, err);
    return this;
  }
}

export function recordError(span: Span, err: unknown): void {
  try {
    const type = errorType(err);
    const e = err as { message?: unknown; stack?: unknown } | undefined;
    const message = e && typeof e === 'object' && e.message !== undefined ? String(e.message) : String(err);
    const stack = e && typeof e === 'object' && typeof e.stack === 'string' ? e.stack : undefined;
    span.recordException({ name: type, message, stack });
    span.setAttribute('error.type', type);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  } catch {
    // never let error recording itself throw
  }
}

/** The error's class: `name`, or the constructor's name when `name` is the generic 'Error' (as in SDK errors). */
export function errorType(err: unknown): string {
  if (err === null || typeof err !== 'object') return typeof err;
  const name = (err as { name?: unknown }).name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  if (
    (name === undefined || name === 'Error') &&
    typeof ctor === 'string' &&
    ctor !== '' &&
    ctor !== 'Object'
  )
    return ctor;
  return name === undefined ? 'Error' : String(name);
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
