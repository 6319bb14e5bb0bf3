/**
 * A request body that is not a valid OTLP export request. The message names the field and its position
 * (`resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 16 bytes, got 5`); the HTTP layer answers
 * it with 400, and the whole request is rejected.
 */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** Limits that keep one hostile span from costing the server memory or time. */
export interface DecodeLimits {
  /**
   * Longest string attribute value kept, in UTF-8 bytes; longer values are cut and end with a
   * `…[truncated N bytes]` marker. @default 65536
   */
  maxAttributeValueBytes: number;
  /**
   * Longest name kept, in UTF-8 bytes: span and event names, service and scope names, attribute keys,
   * log severity text, and the agent fields derived from attributes (model, provider, session, user,
   * agent, tool). These are indexed, listed and grouped on; longer ones are cut like values. @default 512
   */
  maxNameBytes: number;
  /** Most attributes kept per span, event, link, log or resource; the rest are dropped. @default 1024 */
  maxAttributes: number;
  /** Deepest nesting of array/kvlist attribute values. @default 32 */
  maxValueDepth: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxAttributeValueBytes: 64 * 1024,
  // under the query API's 1,000-character cut of list strings, so a list still shows the marker
  maxNameBytes: 512,
  maxAttributes: 1024,
  maxValueDepth: 32,
};

/** What a decoder leaves out without failing the request (answered as OTLP partial_success). */
export class Rejections {
  count = 0;
  private reasons = new Set<string>();
  add(reason: string): void {
    this.count++;
    if (this.reasons.size < 5) this.reasons.add(reason);
  }
  get message(): string {
    return [...this.reasons].join('; ');
  }
}
