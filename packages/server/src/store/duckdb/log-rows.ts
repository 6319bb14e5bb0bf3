/** Appender rows for logs; the order matches `CREATE TABLE logs` in schema.ts. */
import type { DuckDBAppender } from '@duckdb/node-api';
import type { LogRecord } from '../../model/index.js';
import { encodeAttributes } from './json-columns.js';

export function appendLogRow(a: DuckDBAppender, log: LogRecord, logId: bigint, project: string): void {
  a.appendBigInt(logId);
  a.appendBigInt(log.timeUnixNano);
  a.appendBigInt(log.observedTimeUnixNano);
  a.appendInteger(log.severityNumber | 0);
  a.appendVarchar(log.severityText);
  a.appendVarchar(log.body);
  if (log.traceId === null) a.appendNull();
  else a.appendVarchar(log.traceId);
  if (log.spanId === null) a.appendNull();
  else a.appendVarchar(log.spanId);
  a.appendVarchar(log.serviceName);
  a.appendVarchar(encodeAttributes(log.attributes));
  a.appendVarchar(encodeAttributes(log.resource));
  a.appendVarchar(log.scopeName);
  a.appendVarchar(project);
  a.endRow();
}
