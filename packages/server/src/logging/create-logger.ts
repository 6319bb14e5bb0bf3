/**
 * Witness's own logs: one JSON object per line (pino), so ELK, Loki, CloudWatch or Splunk ingest them
 * as they are. Trace correlation uses the OpenTelemetry JSON log field names `trace_id` and `span_id`.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { TraceContext } from './trace-context.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent. @default 'info' */
  level?: string;
  /** Where lines go. @default stderr (stdout is for the CLI's own output) */
  destination?: DestinationStream;
  /** Fields on every line. @default { service: 'witness' } */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'witness' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" rather than 30: readable in any log tool without a mapping
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A child logger whose every line carries the trace (and any other context, e.g. actor, workflow). */
export function withTrace(logger: Logger, trace: TraceContext, fields: Record<string, unknown> = {}): Logger {
  return logger.child({ trace_id: trace.traceId, span_id: trace.spanId, ...fields });
}
