/** query: the JSON API under /api, documented at /api/openapi.json (generated from @witness/protocol). */
export { parseBody, parsePathParams, parseQuery } from './parse-query.js';
export { type QueryRoutesOptions, queryRoutes } from './routes.js';
export { spanToJson } from './span-json.js';
export { EXPENSIVE_READS, QueryGate, type QueryGateOptions } from './query-gate.js';
