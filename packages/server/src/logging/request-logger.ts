import type { MiddlewareHandler } from 'hono';
import type { Logger } from './create-logger.js';
import { withTrace } from './create-logger.js';
import { newTraceContext, parseTraceparent } from './trace-context.js';

/**
 * One log line per HTTP request, carrying the caller's trace id (from `traceparent`) or a fresh one,
 * which is also returned in `traceparent` so a user can quote it. Successes log at debug (OTLP ingest
 * makes thousands a second), client errors at warn, server errors at error.
 */
export function requestLogger(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    const incoming = parseTraceparent(c.req.header('traceparent'));
    const trace = incoming ?? newTraceContext();
    const log = withTrace(logger, trace);
    c.set('log' as never, log as never);
    await next();
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
    };
    if (status >= 500) log.error(fields, 'request failed');
    else if (status >= 400) log.warn(fields, 'request refused');
    else log.debug(fields, 'request');
    if (!incoming) c.header('traceparent', `00-${trace.traceId}-${trace.spanId}-01`);
  };
}
