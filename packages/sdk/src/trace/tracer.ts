import {
  type Context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type Tracer,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { activeContext, withContext } from './context.js';
import { newSpanId, newTraceId } from './ids.js';
import { type SpanEndHook, WitnessSpan } from './span.js';
import type { InstrumentationScope, WitnessResource } from './types.js';

/** Per-context attributes copied onto every span started in that context (session, user). */
export type ContextAttributesFn = (ctx: Context, span: WitnessSpan) => void;

/**
 * An `@opentelemetry/api` Tracer. Every span is sampled (agent runs are rare and precious; sample
 * at the collector if needed). Parents come from the explicit context, else Witness's active
 * context, else the global OpenTelemetry one.
 */
export class WitnessTracer implements Tracer {
  constructor(
    readonly resource: WitnessResource,
    readonly scope: InstrumentationScope,
    private readonly onEnd: SpanEndHook,
    private readonly onStart: ((span: WitnessSpan, ctx: Context) => void) | undefined,
  ) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const parentCtx = ctx ?? activeContext();
    let parent: SpanContext | undefined;
    if (!options?.root) {
      const p = trace.getSpanContext(parentCtx);
      if (p !== undefined && isSpanContextValid(p)) parent = p;
    }
    const spanContext: SpanContext =
      parent === undefined
        ? { traceId: newTraceId(), spanId: newSpanId(), traceFlags: TraceFlags.SAMPLED }
        : {
            traceId: parent.traceId,
            spanId: newSpanId(),
            traceFlags: TraceFlags.SAMPLED,
            traceState: parent.traceState,
          };
    const span = new WitnessSpan(
      spanContext,
      name,
      options?.kind ?? SpanKind.INTERNAL,
      parent,
      options?.startTime,
      this.resource,
      this.scope,
      this.onEnd,
    );
    if (options?.attributes !== undefined) span.setAttributes(options.attributes);
    if (options?.links !== undefined) span.addLinks(options.links);
    if (this.onStart !== undefined) this.onStart(span, parentCtx);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof b === 'function') {
      options = a;
      fn = b;
    } else {
      options = a;
      ctx = b;
      fn = c as F;
    }
    const parentCtx = ctx ?? activeContext();
    const span = this.startSpan(name, options, parentCtx);
    return withContext(trace.setSpan(parentCtx, span), fn, span) as ReturnType<F>;
  }
}
