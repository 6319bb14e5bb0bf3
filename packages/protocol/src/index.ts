/**
 * @witness/protocol — the API contract shared by server, UI and CLI: zod schemas of every route's
 * parameters and answers, the types inferred from them, and the OpenAPI document built from them.
 * No I/O here. `constants.ts` holds no zod, so a bundle that needs only the vocabularies stays small.
 */
export * from './access.js';
export * from './agent-graph.js';
export * from './alerting.js';
export * from './analytics.js';
export * from './anomalies.js';
export * from './api-routes.js';
export * from './audit.js';
export * from './common.js';
export * from './governance.js';
export * from './constants.js';
export * from './exporters.js';
export * from './health.js';
export * from './logs.js';
export * from './metrics.js';
export * from './openapi.js';
export * from './otlp.js';
export * from './query-values.js';
export * from './scores.js';
export * from './signin.js';
export * from './slo.js';
export * from './span.js';
export * from './trace-compare.js';
export * from './traces.js';
