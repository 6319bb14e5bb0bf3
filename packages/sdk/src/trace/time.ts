import type { HrTime, TimeInput } from '@opentelemetry/api';

/**
 * Wall-clock time with sub-millisecond precision: `performance.now()` is monotonic and cheap;
 * anchored once to the epoch so spans from this process line up with other services' spans.
 */
const origin = performance.timeOrigin;

/** Milliseconds since the epoch as [seconds, nanoseconds], the OpenTelemetry HrTime shape. */
export function msToHrTime(ms: number): HrTime {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

export function nowHrTime(): HrTime {
  return msToHrTime(origin + performance.now());
}

/** Milliseconds since the epoch, sub-millisecond precise: the span hot path keeps time as this. */
export function nowMs(): number {
  return origin + performance.now();
}

/** Any OpenTelemetry TimeInput as epoch milliseconds. */
export function toMs(input: TimeInput): number {
  if (typeof input === 'number') return input < origin ? origin + input : input;
  if (input instanceof Date) return input.getTime();
  return input[0] * 1000 + input[1] / 1e6;
}

export function hrTimeToMs(t: HrTime): number {
  return t[0] * 1000 + t[1] / 1e6;
}

/** Any OpenTelemetry TimeInput (epoch ms, performance.now() ms, Date, HrTime) as HrTime. */
export function toHrTime(input: TimeInput | undefined): HrTime {
  if (input === undefined) return nowHrTime();
  if (typeof input === 'number') {
    // Values below the process's time origin are performance.now() readings, as in the OTel SDK.
    return msToHrTime(input < origin ? origin + input : input);
  }
  if (input instanceof Date) return msToHrTime(input.getTime());
  return [input[0], input[1]];
}

export function hrDuration(start: HrTime, end: HrTime): HrTime {
  let sec = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    sec -= 1;
    nanos += 1e9;
  }
  return [sec, nanos];
}
