import {
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  SpanStatusCode,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { nowHrTime, toHrTime } from './time.js';
import type { InstrumentationScope, ReadableSpanLike, TimedEvent, WitnessResource } from './types.js';

/** Limits as in the OpenTelemetry SDK defaults: a runaway loop cannot grow a span without bound. */
export const SPAN_LIMITS = { attributes: 128, events: 128, links: 128 } as const;

/** Called once when a span ends; the provider hands it to its processors. */
export type SpanEndHook = (span: WitnessSpan) => void;

/**
 * A recording span. Kept deliberately plain (fields, no per-span closures or Maps): starting,
 * setting ten attributes and ending it is the hot path `npm run bench:sdk` measures.
 */
export class WitnessSpan implements Span, ReadableSpanLike {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  attributes: Attributes = {};
  attributeCount = 0;
  links: Link[] = [];
  events: TimedEvent[] = [];
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  ended = false;
  private readonly ctx: SpanContext;
  private readonly onEndHook: SpanEndHook;
  readonly resource: WitnessResource;
  readonly instrumentationScope: InstrumentationScope;

  constructor(
    ctx: SpanContext,
    name: string,
    kind: SpanKind,
    parent: SpanContext | undefined,
    startTime: TimeInput | undefined,
    resource: WitnessResource,
    scope: InstrumentationScope,
    onEnd: SpanEndHook,
  ) {
    this.ctx = ctx;
    this.name = name;
    this.kind = kind;
    this.parentSpanContext = parent;
    this.startTime = startTime === undefined ? nowHrTime() : toHrTime(startTime);
    this.resource = resource;
    this.instrumentationScope = scope;
    this.onEndHook = onEnd;
  }

  spanContext(): SpanContext {
    return this.ctx;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === undefined || value === null) return this;
    const attrs = this.attributes;
    if (attrs[key] === undefined) {
      if (this.attributeCount >= SPAN_LIMITS.attributes) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    attrs[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= SPAN_LIMITS.events) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    this.events.push({ name, time: toHrTime(time), attributes });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= SPAN_LIMITS.links) this.droppedLinksCount++;
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    // OK is final; UNSET never overrides a status already set (OpenTelemetry API semantics).
    if (this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status =
      status.code === SpanStatusCode.ERROR
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endTime = endTime === undefined ? nowHrTime() : toHrTime(endTime);
    this.onEndHook(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      const e = exception as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
      const type = e.name ?? e.code;
      if (type !== undefined) attributes['exception.type'] = String(type);
      if (e.message !== undefined) attributes['exception.message'] = String(e.message);
      if (e.stack !== undefined) attributes['exception.stacktrace'] = String(e.stack);
    }
    this.addEvent('exception', attributes, time);
  }

  get duration(): HrTime {
    let sec = this.endTime[0] - this.startTime[0];
    let nanos = this.endTime[1] - this.startTime[1];
    if (nanos < 0) {
      sec -= 1;
      nanos += 1e9;
    }
    return [sec, nanos];
  }
}

function isTimeInput(v: unknown): v is TimeInput {
  return (
    typeof v === 'number' ||
    v instanceof Date ||
    (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number')
  );
}
