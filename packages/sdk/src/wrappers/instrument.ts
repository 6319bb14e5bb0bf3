import { type Attributes, type Span, SpanKind, type Tracer } from '@opentelemetry/api';
import { GENAI, WITNESS } from '../agent/attributes.js';
import { ObservedSpan, recordError } from '../agent/observed-span.js';
import { toGenAiMessages, toPayload } from '../agent/serialize.js';
import { getWitness } from '../default-instance.js';
import { assertOptions, wrapShape } from '../options/index.js';
import { activeContext } from '../trace/context.js';
import type { Witness } from '../witness.js';

export interface WrapOptions {
  /** The Witness instance to record into. @default the one `init()` set up */
  witness?: Witness;
  /** Record prompts and completions (`gen_ai.input.messages` / `gen_ai.output.messages`). @default true */
  captureContent?: boolean;
}

/** The wrappers run once at setup, so bad options throw there, like `init()`'s. */
export const checkWrapOptions = (where: string, o: WrapOptions): void => assertOptions(where, o, wrapShape);

export const tracerOf = (o: WrapOptions): Tracer => (o.witness ?? getWitness()).tracer;

/** Starts a model-call span (`{operation} {model}`, CLIENT) under the active context. */
export function startLlmSpan(
  tracer: Tracer,
  provider: string,
  operation: string,
  model: unknown,
  extra: Attributes,
  input: unknown,
  o: WrapOptions,
): ObservedSpan {
  const attributes: Attributes = {
    [GENAI.operationName]: operation,
    [GENAI.providerName]: provider,
    [WITNESS.kind]: 'llm',
    ...extra,
  };
  if (typeof model === 'string') attributes[GENAI.requestModel] = model;
  if (o.captureContent !== false && input !== undefined) {
    const text = toPayload(toGenAiMessages(input));
    if (text !== undefined) attributes[GENAI.inputMessages] = text;
  }
  const name = typeof model === 'string' ? `${operation} ${model}` : operation;
  return new ObservedSpan(tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, activeContext()));
}

type Thenable<T> = { then(ok: (v: T) => unknown, err: (e: unknown) => unknown): unknown };

/**
 * Observes the client's promise without replacing it: the caller gets the original object back
 * (openai / anthropic return an APIPromise with extra methods such as `withResponse()`), and our
 * reactions run first because they were registered first. Our own derived promise never rejects.
 */
export function observe<T>(p: Thenable<T>, span: Span, onValue: (v: T) => void): void {
  p.then(
    (v) => {
      try {
        onValue(v);
      } catch (e) {
        recordError(span, e);
        span.end();
      }
    },
    (e) => {
      recordError(span, e);
      span.end();
    },
  );
}

/** True for the stream objects both SDKs return when `stream: true` (async iterables of events). */
export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Taps a provider stream in place (same object, same methods): every event goes to `onEvent`, and
 * the span ends when the consumer finishes, breaks out early, or the stream fails.
 */
export function tapStream<E>(
  stream: AsyncIterable<E>,
  span: Span,
  onEvent: (e: E) => void,
  onDone: () => void,
): void {
  const original = stream[Symbol.asyncIterator].bind(stream);
  let finished = false;
  const finish = (err?: unknown) => {
    if (finished) return;
    finished = true;
    try {
      if (err !== undefined) recordError(span, err);
      onDone();
    } catch (e) {
      recordError(span, e);
    }
    span.end();
  };
  Object.defineProperty(stream, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: () => {
      const it = original();
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done) finish();
            else {
              try {
                onEvent(r.value);
              } catch {
                // a malformed event must not break the consumer's iteration
              }
            }
            return r;
          } catch (e) {
            finish(e);
            throw e;
          }
        },
        async return(value?: unknown) {
          finish();
          return it.return ? it.return(value) : { done: true as const, value: value as E };
        },
        async throw(e?: unknown) {
          finish(e);
          if (it.throw) return it.throw(e);
          throw e;
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  });
}

/** Replaces `obj[key]` (a method) with `wrap(original)`, once; returns false when absent. */
export function patchMethod<F extends (...args: never[]) => unknown>(
  obj: unknown,
  key: string,
  wrap: (original: F) => F,
): boolean {
  if (obj === null || typeof obj !== 'object') return false;
  const target = obj as Record<string, unknown> & { [PATCHED]?: Set<string> };
  const original = target[key];
  if (typeof original !== 'function') return false;
  if (target[PATCHED] === undefined) target[PATCHED] = new Set<string>();
  const done = target[PATCHED];
  if (done.has(key)) return true;
  done.add(key);
  target[key] = wrap((original as F).bind(obj) as F);
  return true;
}

const PATCHED = Symbol.for('witness.patched');

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
