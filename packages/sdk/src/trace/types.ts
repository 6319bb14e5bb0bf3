import type { Attributes, Context, HrTime, Link, SpanStatus } from '@opentelemetry/api';

/** A resource: what produced the spans (service name, version, host…). */
export interface WitnessResource {
  readonly attributes: Attributes;
}

/** The instrumentation scope: which tracer (library) made a span. */
export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

export interface TimedEvent {
  readonly time: HrTime;
  readonly name: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

/**
 * A finished span as exporters read it. Deliberately the same shape as `ReadableSpan` of
 * @opentelemetry/sdk-trace-base, so one encoder serves Witness spans and spans of an existing
 * OpenTelemetry SDK setup alike.
 */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: number;
  readonly spanContext: () => import('@opentelemetry/api').SpanContext;
  readonly parentSpanContext?: import('@opentelemetry/api').SpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEvent[];
  readonly resource: WitnessResource;
  readonly instrumentationScope: InstrumentationScope;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  readonly ended: boolean;
}

/** Receives every span of a provider; the exporter's batcher is one. Must never throw. */
export interface WitnessSpanProcessor {
  onStart?(span: ReadableSpanLike, parentContext: Context): void;
  onEnd(span: ReadableSpanLike): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
