import type { Attributes } from '@opentelemetry/api';
import { GENAI, WITNESS } from '../agent/attributes.js';
import type { ObservedSpan } from '../agent/observed-span.js';
import {
  isAsyncIterable,
  num,
  observe,
  patchMethod,
  startLlmSpan,
  tapStream,
  tracerOf,
  checkWrapOptions,
  type WrapOptions,
} from './instrument.js';

/**
 * Instruments an `openai` client in place (duck-typed: no dependency on the package):
 * `chat.completions.create`, `responses.create` (streaming included) and `embeddings.create`.
 * Returns the same client.
 *
 *   const client = wrapOpenAI(new OpenAI());
 *
 * For streamed chat completions, usage is only in the stream when the request asks for it with
 * `stream_options: { include_usage: true }` (the wrapper does not change the request).
 */
export function wrapOpenAI<C>(client: C, options: WrapOptions = {}): C {
  checkWrapOptions('wrapOpenAI()', options);
  const c = client as { chat?: { completions?: unknown }; responses?: unknown; embeddings?: unknown };
  patchMethod(
    c.chat?.completions,
    'create',
    (create) =>
      ((body: Record<string, unknown>, ...rest: unknown[]) => {
        const span = startLlmSpan(
          tracerOf(options),
          'openai',
          'chat',
          body?.model,
          requestAttributes(body),
          body?.messages,
          options,
        );
        return run(
          span,
          () => (create as (...a: unknown[]) => unknown)(body, ...rest),
          options,
          chatCompletion,
          chatStream,
        );
      }) as typeof create,
  );
  patchMethod(
    c.responses,
    'create',
    (create) =>
      ((body: Record<string, unknown>, ...rest: unknown[]) => {
        const input = responsesInput(body);
        const span = startLlmSpan(
          tracerOf(options),
          'openai',
          'chat',
          body?.model,
          requestAttributes(body),
          input,
          options,
        );
        return run(
          span,
          () => (create as (...a: unknown[]) => unknown)(body, ...rest),
          options,
          responseObject,
          responsesStream,
        );
      }) as typeof create,
  );
  patchMethod(
    c.embeddings,
    'create',
    (create) =>
      ((body: Record<string, unknown>, ...rest: unknown[]) => {
        const kind = { [WITNESS.kind]: 'embedding' };
        const span = startLlmSpan(
          tracerOf(options),
          'openai',
          'embeddings',
          body?.model,
          kind,
          undefined,
          options,
        );
        return run(
          span,
          () => (create as (...a: unknown[]) => unknown)(body, ...rest),
          options,
          embeddings,
          chatStream,
        );
      }) as typeof create,
  );
  return client;
}

/** Embeddings: only prompt tokens are billed. */
function embeddings(span: ObservedSpan, r: Obj): void {
  span.responseModel(r.model as string);
  const u = r.usage as Obj | undefined;
  if (u) span.usage({ inputTokens: num(u.prompt_tokens) });
}

type Obj = Record<string, unknown>;

function run(
  span: ObservedSpan,
  call: () => unknown,
  o: WrapOptions,
  onResult: (span: ObservedSpan, value: Obj, o: WrapOptions) => void,
  onStream: (span: ObservedSpan, o: WrapOptions) => { onEvent(e: Obj): void; onDone(): void },
): unknown {
  let p: unknown;
  try {
    p = call();
  } catch (e) {
    span.error(e);
    span.span.end();
    throw e;
  }
  if (p === null || typeof (p as { then?: unknown }).then !== 'function') {
    span.span.end();
    return p;
  }
  observe(p as PromiseLike<unknown>, span.span, (value) => {
    if (isAsyncIterable(value)) {
      const s = onStream(span, o);
      tapStream(value as AsyncIterable<Obj>, span.span, s.onEvent, s.onDone);
    } else {
      onResult(span, (value ?? {}) as Obj, o);
      span.span.end();
    }
  });
  return p;
}

function requestAttributes(body: Obj | undefined): Attributes {
  const a: Attributes = {};
  if (!body) return a;
  const t = num(body.temperature);
  if (t !== undefined) a[GENAI.requestTemperature] = t;
  const max = num(body.max_completion_tokens) ?? num(body.max_tokens) ?? num(body.max_output_tokens);
  if (max !== undefined) a[GENAI.requestMaxTokens] = max;
  return a;
}

function responsesInput(body: Obj | undefined): unknown {
  if (!body) return undefined;
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  return body.instructions
    ? [{ role: 'system', content: body.instructions }, ...((input as unknown[]) ?? [])]
    : input;
}

/** Chat Completions usage: prompt_tokens already includes cached tokens, completion includes reasoning. */
function chatUsage(span: ObservedSpan, usage: Obj | undefined | null): void {
  if (!usage) return;
  span.usage({
    inputTokens: num(usage.prompt_tokens),
    outputTokens: num(usage.completion_tokens),
    cacheReadTokens: num((usage.prompt_tokens_details as Obj | undefined)?.cached_tokens),
    reasoningTokens: num((usage.completion_tokens_details as Obj | undefined)?.reasoning_tokens),
  });
}

function chatCompletion(span: ObservedSpan, r: Obj, o: WrapOptions): void {
  span.responseId(r.id as string).responseModel(r.model as string);
  chatUsage(span, r.usage as Obj);
  const choices = (r.choices as Obj[]) ?? [];
  span.finishReasons(choices.map((c) => c.finish_reason as string));
  if (o.captureContent !== false)
    span.output(choices.map((c) => ({ ...toMessage(c.message as Obj), finish_reason: c.finish_reason })));
}

function toMessage(m: Obj | undefined): Obj {
  const parts: Obj[] = [];
  if (typeof m?.content === 'string' && m.content) parts.push({ type: 'text', content: m.content });
  for (const tc of (m?.tool_calls as Obj[]) ?? []) {
    const fn = (tc.function ?? {}) as Obj;
    parts.push({ type: 'tool_call', id: tc.id, name: fn.name, arguments: fn.arguments });
  }
  return { role: (m?.role as string) ?? 'assistant', parts };
}

/** Rebuilds the completion from `chat.completion.chunk` deltas: content, tool calls, usage chunk. */
function chatStream(span: ObservedSpan, o: WrapOptions) {
  const choices = new Map<number, { content: string; finish?: string; tools: Map<number, Obj> }>();
  return {
    onEvent(chunk: Obj) {
      if (chunk.id) span.responseId(chunk.id as string);
      if (chunk.model) span.responseModel(chunk.model as string);
      if (chunk.usage) chatUsage(span, chunk.usage as Obj);
      for (const c of (chunk.choices as Obj[]) ?? []) {
        const index = (c.index as number) ?? 0;
        let acc = choices.get(index);
        if (!acc) {
          acc = { content: '', tools: new Map() };
          choices.set(index, acc);
        }
        const delta = (c.delta ?? {}) as Obj;
        if (typeof delta.content === 'string') acc.content += delta.content;
        for (const tc of (delta.tool_calls as Obj[]) ?? []) {
          const ti = (tc.index as number) ?? 0;
          const fn = (tc.function ?? {}) as Obj;
          const t = acc.tools.get(ti) ?? { type: 'tool_call', id: tc.id, name: fn.name, arguments: '' };
          if (tc.id) t.id = tc.id;
          if (fn.name) t.name = fn.name;
          if (typeof fn.arguments === 'string') t.arguments = `${t.arguments}${fn.arguments}`;
          acc.tools.set(ti, t);
        }
        if (c.finish_reason) acc.finish = c.finish_reason as string;
      }
    },
    onDone() {
      const list = [...choices.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      span.finishReasons(list.map((c) => c.finish));
      if (o.captureContent !== false)
        span.output(
          list.map((c) => ({
            role: 'assistant',
            parts: [...(c.content ? [{ type: 'text', content: c.content }] : []), ...c.tools.values()],
            finish_reason: c.finish,
          })),
        );
    },
  };
}

/** Responses API usage: input_tokens includes cached, output_tokens includes reasoning. */
function responseObject(span: ObservedSpan, r: Obj, o: WrapOptions): void {
  span.responseId(r.id as string).responseModel(r.model as string);
  const u = r.usage as Obj | undefined;
  if (u)
    span.usage({
      inputTokens: num(u.input_tokens),
      outputTokens: num(u.output_tokens),
      cacheReadTokens: num((u.input_tokens_details as Obj | undefined)?.cached_tokens),
      reasoningTokens: num((u.output_tokens_details as Obj | undefined)?.reasoning_tokens),
    });
  if (r.status) span.finishReasons([r.status as string]);
  if (o.captureContent === false) return;
  const parts: Obj[] = [];
  for (const item of (r.output as Obj[]) ?? []) {
    if (item.type === 'message')
      for (const c of (item.content as Obj[]) ?? []) {
        if (c.type === 'output_text') parts.push({ type: 'text', content: c.text });
      }
    else if (item.type === 'function_call')
      parts.push({ type: 'tool_call', id: item.call_id, name: item.name, arguments: item.arguments });
  }
  span.output([{ role: 'assistant', parts, finish_reason: r.status }]);
}

/** Responses streams end with `response.completed` (or failed/incomplete) carrying the full response. */
function responsesStream(span: ObservedSpan, o: WrapOptions) {
  return {
    onEvent(e: Obj) {
      if (
        (e.type === 'response.completed' ||
          e.type === 'response.incomplete' ||
          e.type === 'response.failed') &&
        e.response
      ) {
        responseObject(span, e.response as Obj, o);
        if (e.type === 'response.failed') {
          const err = ((e.response as Obj).error ?? {}) as Obj;
          span.error({
            name: String(err.code ?? 'response.failed'),
            message: String(err.message ?? 'response failed'),
          });
        }
      } else if (e.type === 'error') {
        span.error({ name: String(e.code ?? 'error'), message: String(e.message ?? 'stream error') });
      }
    },
    onDone() {},
  };
}
