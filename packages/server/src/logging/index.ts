/** logging: Witness's own structured JSON logs (pino), correlated by trace id. */
export { createLogger, type Logger, type LoggerOptions, withTrace } from './create-logger.js';
export { requestLogger } from './request-logger.js';
export { newTraceContext, parseTraceparent, type TraceContext } from './trace-context.js';
