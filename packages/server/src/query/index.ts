/** query: the JSON API under /api, documented at /api/openapi.json. */
export { buildOpenApiDocument } from './openapi.js';
export { logSearchParams, traceSearchParams } from './params.js';
export { type QueryRoutesOptions, queryRoutes } from './routes.js';
export { spanToJson } from './span-json.js';
