/** @witness/server — the public face of the server package. */
export type { LogRecord, SpanRecord, SpanEvent, SpanLink } from './model/index.js';
export { emptyAgentFields } from './model/index.js';
export type * from './store/types.js';
export type { IngestSink } from './ingest/types.js';
