export { activeContext, withContext } from './context.js';
export { getContextAttributes, setContextAttributes } from './context-attributes.js';
export { newSpanId, newTraceId } from './ids.js';
export { SPAN_LIMITS, WitnessSpan } from './span.js';
export { hrTimeToMs, nowHrTime, toHrTime } from './time.js';
export { WitnessTracer } from './tracer.js';
export { WitnessTracerProvider, type WitnessTracerProviderOptions } from './tracer-provider.js';
export type {
  InstrumentationScope,
  ReadableSpanLike,
  TimedEvent,
  WitnessResource,
  WitnessSpanProcessor,
} from './types.js';
