import {
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
} from '@opentelemetry/api';
import { msToHrTime, nowMs, toHrTime, toMs } from './time.js';
import type { InstrumentationScope, ReadableSpanLike, TimedEvent, WitnessResource } from './types.js';

/** Limits as in the OpenTelemetry SDK defaults: a runaway loop cannot grow a span without bound. */
export const SPAN_LIMITS = { attributes: 128, events: 128, links: 128 } as const;

/** Called once when a span ends; the provider hands it to its processors. */
export type SpanEndHook = (span: WitnessSpan) => void;

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * A recording span, shaped for the hot path `npm run bench:sdk` measures (start + 10 attributes +
 * end): times are kept as epoch-millisecond numbers, attributes as parallel key/value arrays (a
 * push, not a dictionary-mode object write), and events, links and status share empty constants
 * until used. The ReadableSpan-shaped getters (`attributes`, `startTime`…) build objects on demand
 * for processors that want them; the OTLP encoder reads the raw fields.
 */
export class WitnessSpan implements Span, ReadableSpanLike {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  /** Epoch milliseconds (sub-ms precise). */
  startMs: number;
  endMs = 0;
  status: SpanStatus = UNSET;
  attrKeys: string[] = [];
  attrValues: AttributeValue[] = [];
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  ended = false;
  private readonly ctx: SpanContext;
  private readonly onEndHook: SpanEndHook;
  readonly resource: WitnessResource;
  readonly instrumentationScope: InstrumentationScope;
  private attrObject: Attributes | undefined;

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
    this.startMs = startTime === undefined ? nowMs() : toMs(startTime);
    this.resource = resource;
    this.instrumentationScope = scope;
    this.onEndHook = onEnd;
  }

  spanContext(): SpanContext {
    return this.ctx;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === undefined || value === null) return this;
    const keys = this.attrKeys;
    // Spans carry a few dozen attributes at most: a scan of interned keys beats a hash write.
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        this.attrValues[i] = value;
        this.attrObject = undefined;
        return this;
      }
    }
    if (keys.length >= SPAN_LIMITS.attributes) {
      this.droppedAttributesCount++;
      return this;
    }
    keys.push(key);
    this.attrValues.push(value);
    this.attrObject = undefined;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  /** The attributes as an object (built on demand; the encoder reads the arrays). */
  get attributes(): Attributes {
    if (this.attrObject === undefined) {
      const o: Attributes = {};
      for (let i = 0; i < this.attrKeys.length; i++) o[this.attrKeys[i]] = this.attrValues[i];
      this.attrObject = o;
    }
    return this.attrObject;
  }

  get startTime(): HrTime {
    return msToHrTime(this.startMs);
  }

  get endTime(): HrTime {
    return msToHrTime(this.endMs);
  }

  get duration(): HrTime {
    return msToHrTime(this.endMs - this.startMs);
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
    if (this.events === NONE) this.events = [];
    this.events.push({ name, time: toHrTime(time), attributes });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= SPAN_LIMITS.links) this.droppedLinksCount++;
    else {
      if (this.links === NONE) this.links = [];
      this.links.push(link);
    }
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
    this.endMs = endTime === undefined ? nowMs() : toMs(endTime);
    if (this.endMs < this.startMs) this.endMs = this.startMs;
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
}

function isTimeInput(v: unknown): v is TimeInput {
  return (
    typeof v === 'number' ||
    v instanceof Date ||
    (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number')
  );
}
