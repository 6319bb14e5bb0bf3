import { type Attributes, type Context, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { getContextAttributes } from './context-attributes.js';
import type { WitnessSpan } from './span.js';
import { WitnessTracer } from './tracer.js';
import type { WitnessResource, WitnessSpanProcessor } from './types.js';

export interface WitnessTracerProviderOptions {
  /** Resource attributes; `service.name` should be among them. @default { 'service.name': 'unknown_service' } */
  resource?: Attributes;
  /** Processors receiving every ended span, e.g. the OTLP batch exporter. @default [] */
  spanProcessors?: WitnessSpanProcessor[];
}

/**
 * An `@opentelemetry/api` TracerProvider that is isolated by default: it is not registered globally
 * unless `register()` is called, so it never takes spans away from a provider the host set up.
 */
export class WitnessTracerProvider implements TracerProvider {
  readonly resource: WitnessResource;
  private processors: WitnessSpanProcessor[];
  private readonly tracers = new Map<string, WitnessTracer>();
  private readonly endHook = (span: WitnessSpan): void => this.spanEnded(span);
  private readonly startHook = (span: WitnessSpan, ctx: Context): void => this.spanStarted(span, ctx);

  constructor(options: WitnessTracerProviderOptions = {}) {
    this.resource = { attributes: { 'service.name': 'unknown_service', ...options.resource } };
    this.processors = [...(options.spanProcessors ?? [])];
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    return this.getWitnessTracer(name, version, options?.schemaUrl);
  }

  getWitnessTracer(name: string, version?: string, schemaUrl?: string): WitnessTracer {
    const key = `${name}@${version ?? ''}:${schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new WitnessTracer(this.resource, { name, version, schemaUrl }, this.endHook, this.startHook);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  addSpanProcessor(processor: WitnessSpanProcessor): void {
    this.processors = [...this.processors, processor];
  }

  /** Makes this the global provider for `trace.getTracer()`; only when the application asks. */
  register(): boolean {
    return trace.setGlobalTracerProvider(this);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush().catch(() => undefined)));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown().catch(() => undefined)));
  }

  private spanStarted(span: WitnessSpan, ctx: Context): void {
    const extra = getContextAttributes(ctx);
    if (extra !== undefined) span.setAttributes(extra);
    for (const p of this.processors) {
      if (p.onStart === undefined) continue;
      try {
        p.onStart(span, ctx);
      } catch {
        // a processor's bug must not reach the application
      }
    }
  }

  private spanEnded(span: WitnessSpan): void {
    const processors = this.processors;
    for (let i = 0; i < processors.length; i++) {
      try {
        processors[i].onEnd(span);
      } catch {
        // a processor's bug must not reach the application
      }
    }
  }
}
