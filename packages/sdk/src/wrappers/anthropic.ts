import type { Attributes } from '@opentelemetry/api';
import { GENAI } from '../agent/attributes.js';
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

type Obj = Record<string, unknown>;

/**
 * Instruments an `@anthropic-ai/sdk` client in place (duck-typed): `messages.create`, streaming
 * (`stream: true`, and `messages.stream()`, which calls create) included. Returns the same client.
 */
export function wrapAnthropic<C>(client: C, options: WrapOptions = {}): C {
  checkWrapOptions('wrapAnthropic()', options);
  const messages = (client as { messages?: unknown }).messages;
  patchMethod(
    messages,
    'create',
    (create) =>
      ((body: Obj, ...rest: unknown[]) => {
        const attrs: Attributes = {};
        const t = num(body?.temperature);
        if (t !== undefined) attrs[GENAI.requestTemperature] = t;
        const max = num(body?.max_tokens);
        if (max !== undefined) attrs[GENAI.requestMaxTokens] = max;
        const input = body?.system
          ? [{ role: 'system', content: body.system }, ...((body.messages as unknown[]) ?? [])]
          : body?.messages;
        const span = startLlmSpan(tracerOf(options), 'anthropic', 'chat', body?.model, attrs, input, options);
        let p: unknown;
        try {
          p = (create as (...a: unknown[]) => unknown)(body, ...rest);
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
            const s = messageStream(span, options);
            tapStream(value as AsyncIterable<Obj>, span.span, s.onEvent, s.onDone);
          } else {
            message(span, (value ?? {}) as Obj, options);
            span.span.end();
          }
        });
        return p;
      }) as typeof create,
  );
  return client;
}

/**
 * Anthropic counts cache reads and cache writes apart from `input_tokens`; GenAI input tokens include
 * all of them, so they are summed here.
 */
function usage(span: ObservedSpan, u: Obj | undefined): void {
  if (!u) return;
  const input = num(u.input_tokens);
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  span.usage({
    inputTokens: input === undefined ? undefined : input + cacheRead + cacheWrite,
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheCreationTokens: num(u.cache_creation_input_tokens),
  });
}

function contentParts(content: Obj[]): Obj[] {
  const parts: Obj[] = [];
  for (const b of content) {
    if (b.type === 'text') parts.push({ type: 'text', content: b.text });
    else if (b.type === 'thinking') parts.push({ type: 'reasoning', content: b.thinking });
    else if (b.type === 'tool_use')
      parts.push({ type: 'tool_call', id: b.id, name: b.name, arguments: b.input });
  }
  return parts;
}

function message(span: ObservedSpan, m: Obj, o: WrapOptions): void {
  span.responseId(m.id as string).responseModel(m.model as string);
  usage(span, m.usage as Obj);
  span.finishReasons([m.stop_reason as string]);
  if (o.captureContent !== false)
    span.output([
      { role: 'assistant', parts: contentParts((m.content as Obj[]) ?? []), finish_reason: m.stop_reason },
    ]);
}

/** Rebuilds the message from SSE events: message_start, content_block_*, message_delta (usage). */
function messageStream(span: ObservedSpan, o: WrapOptions) {
  const blocks: Obj[] = [];
  const json: string[] = [];
  let stop: string | undefined;
  let u: Obj = {};
  return {
    onEvent(e: Obj) {
      switch (e.type) {
        case 'message_start': {
          const m = (e.message ?? {}) as Obj;
          span.responseId(m.id as string).responseModel(m.model as string);
          u = { ...((m.usage as Obj) ?? {}) };
          break;
        }
        case 'content_block_start': {
          const i = e.index as number;
          blocks[i] = { ...((e.content_block as Obj) ?? {}) };
          json[i] = '';
          break;
        }
        case 'content_block_delta': {
          const i = e.index as number;
          const d = (e.delta ?? {}) as Obj;
          if (blocks[i] === undefined) blocks[i] = { type: 'text', text: '' };
          const b = blocks[i];
          if (d.type === 'text_delta') b.text = `${b.text ?? ''}${d.text}`;
          else if (d.type === 'thinking_delta') b.thinking = `${b.thinking ?? ''}${d.thinking}`;
          else if (d.type === 'input_json_delta') json[i] = `${json[i] ?? ''}${d.partial_json}`;
          break;
        }
        case 'message_delta': {
          const d = (e.delta ?? {}) as Obj;
          if (d.stop_reason) stop = d.stop_reason as string;
          // message_delta usage is cumulative: its fields replace message_start's
          for (const [k, v] of Object.entries((e.usage as Obj) ?? {}))
            if (v !== null && v !== undefined) u[k] = v;
          break;
        }
        default:
          break;
      }
    },
    onDone() {
      blocks.forEach((b, i) => {
        if (b?.type === 'tool_use' && json[i]) {
          try {
            b.input = JSON.parse(json[i]);
          } catch {
            b.input = json[i];
          }
        }
      });
      usage(span, u);
      span.finishReasons([stop]);
      if (o.captureContent !== false)
        span.output([
          { role: 'assistant', parts: contentParts(blocks.filter(Boolean)), finish_reason: stop },
        ]);
    },
  };
}
