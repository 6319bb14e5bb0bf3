/**
 * Every route the server registers, with the zod schemas of its parameters, body and answers: the one
 * description the server validates with, the OpenAPI document is generated from, and the UI's types
 * come from. A route the server registers but this table lacks fails test/openapi-routes.e2e.test.ts.
 */
import type { z } from 'zod';
import { type Access, projectsSchema } from './access.js';
import {
  auditActionBody,
  auditEntryLookupSchema,
  auditEntryPathParams,
  auditEntrySchema,
  auditErasureBody,
  auditPageSchema,
  auditRetentionBody,
  auditSearchParams,
  checkpointSchema,
  consistencyProofParams,
  consistencyProofSchema,
  inclusionProofParams,
  inclusionProofSchema,
  latestCheckpointSchema,
  messageSchema,
} from './audit.js';
import {
  funnelQueryBody,
  funnelResultSchema,
  sessionDetailParams,
  sessionDetailSchema,
  sessionListParams,
  sessionPageSchema,
  sessionPathParams,
  usageParams,
  usageSchema,
  userListParams,
  userPageSchema,
} from './analytics.js';
import {
  alertListSchema,
  silenceBodySchema,
  silenceCreatedSchema,
  silenceListSchema,
  silencePathParams,
} from './alerting.js';
import {
  anomalyPageSchema,
  anomalySearchParams,
  costForecastParams,
  costForecastSchema,
  diskForecastSchema,
} from './anomalies.js';
import { agentGraphParams, agentGraphSchema, MAX_GRAPH_TRACES } from './agent-graph.js';
import { errorSchema } from './common.js';
import { exporterListSchema } from './exporters.js';
import {
  violationPageSchema,
  violationSearchParams,
  violationSummaryParams,
  violationSummarySchema,
} from './governance.js';
import { healthSchema, notReadySchema, readySchema } from './health.js';
import { logPageSchema, logSearchParams } from './logs.js';
import { MAX_BUCKETS, metricNamesSchema, metricQueryParams, metricQueryResultSchema } from './metrics.js';
import {
  CALLBACK_PATH,
  callbackParams,
  LOGIN_PATH,
  LOGOUT_PATH,
  loginParams,
  logoutSchema,
  ME_PATH,
  meSchema,
} from './signin.js';
import { OTLP_SIGNALS, otlpExportResponseSchema, otlpStatusSchema } from './otlp.js';
import {
  scoreBodySchema,
  scorePageSchema,
  scoreSchema,
  scoreSearchParams,
  scoreSummaryParams,
  scoreSummarySchema,
} from './scores.js';
import { sloListSchema, sloPathParams, sloStatusSchema } from './slo.js';
import { traceSchema } from './span.js';
import {
  MAX_ATTR_FILTERS,
  servicesSchema,
  traceIdPathParams,
  tracePageSchema,
  traceSearchParams,
} from './traces.js';

export interface ApiAnswer {
  description: string;
  /** JSON body; absent for bodies JSON cannot describe (then `mediaType` says what comes). */
  schema?: z.ZodType;
  /** @default 'application/json' */
  mediaType?: string;
}

export interface ApiRoute {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI style: `/api/traces/{traceId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it (see access.ts); test/auth-matrix checks every route against it. */
  access: Access;
  query?: z.ZodObject;
  pathParams?: z.ZodObject;
  /** JSON request body. */
  body?: z.ZodType;
  /** Non-JSON request bodies, by media type (OTLP protobuf). */
  rawBody?: Record<string, string>;
  responses: Record<number, ApiAnswer>;
}

const error = (description: string): ApiAnswer => ({ description, schema: errorSchema });
const ok = (schema: z.ZodType, description = 'OK'): ApiAnswer => ({ description, schema });
const bad = error('a parameter is wrong; the message names it');
const unavailable = error(
  'the store is still opening, the query ran past its deadline, or the server is shutting down (Retry-After: 1)',
);
/** The expensive reads (funnels, usage, session and user lists, agent graphs, score summaries) share a few slots. */
const busy = error(
  'too many expensive queries at once (limits.maxExpensiveQueries; Retry-After): the message says how many run and wait',
);
const admin = {
  401: error(
    'no credential, or an unknown, revoked or expired one (auth on): send Authorization: Bearer <admin API key>',
  ),
  403: error('the credential is not an admin key (or OIDC admin), or acts in another project'),
  413: error('body over 64 KiB'),
  415: error('Content-Type is not application/json'),
};

const otlpRoutes: ApiRoute[] = OTLP_SIGNALS.map((s) => ({
  method: 'post',
  path: s.path,
  summary: `OTLP/HTTP ${s.signal} ingest`,
  description: `An ${s.request} as protobuf or JSON (gzip allowed). Answered only after the batch is durable.`,
  tags: ['otlp'],
  access: 'ingest',
  rawBody: {
    'application/x-protobuf': `opentelemetry.proto.collector.${s.signal}.v1.${s.request}`,
    'application/json': `${s.request} in the OTLP JSON mapping`,
  },
  responses: {
    200: ok(otlpExportResponseSchema(s.countField), 'durable; partialSuccess counts what was left out'),
    400: { description: 'malformed body', schema: otlpStatusSchema },
    413: { description: 'body over limits.maxRequestBytes / maxDecompressedBytes', schema: otlpStatusSchema },
    415: { description: 'unsupported Content-Type or Content-Encoding', schema: otlpStatusSchema },
    429: { description: 'too much ingest in flight (Retry-After)', schema: otlpStatusSchema },
    503: { description: 'store opening or commit failed (Retry-After)', schema: otlpStatusSchema },
  },
}));

/** OIDC sign-in for people (server: auth/oidc). */
function signinRoutes(): ApiRoute[] {
  const notConfigured = error('sign-in with OIDC is not configured (auth.oidc.issuer)');
  const tooMany = error('too many failed sign-ins from this address (Retry-After)');
  const providerDown = error('the OpenID provider cannot be reached (Retry-After)');
  return [
    {
      method: 'get',
      path: LOGIN_PATH,
      summary: 'Start signing in: redirects to the OpenID provider (authorization code flow with PKCE)',
      tags: ['auth'],
      access: 'signin',
      query: loginParams,
      responses: {
        302: { description: "to the provider's authorization endpoint" },
        400: bad,
        404: notConfigured,
        429: tooMany,
        503: providerDown,
      },
    },
    {
      method: 'get',
      path: CALLBACK_PATH,
      summary: 'Where the provider sends the browser back; sets the session cookie',
      description:
        'Checks state (bound to the browser by a short-lived cookie), PKCE verifier and nonce, exchanges the code, maps the role and projects from the ID token, and redirects to `returnTo`.',
      tags: ['auth'],
      access: 'signin',
      query: callbackParams,
      responses: {
        302: { description: 'signed in: to the page the sign-in started from' },
        400: error('state missing, expired or not this browser’s; start again at /api/auth/login'),
        401: error('the provider refused, or the ID token did not check out'),
        403: error('signed in, but no role is mapped from the role claim'),
        404: notConfigured,
        429: tooMany,
        503: providerDown,
      },
    },
    {
      method: 'post',
      path: LOGOUT_PATH,
      summary: "Sign out: ends the session (and says where to end the provider's session)",
      tags: ['auth'],
      access: 'signin',
      responses: { 200: ok(logoutSchema) },
    },
    {
      method: 'get',
      path: ME_PATH,
      summary: 'Who is calling: the signed-in person or key, their role, projects and access',
      tags: ['auth'],
      access: 'signin',
      responses: { 200: ok(meSchema) },
    },
  ];
}

/** Sessions, users, usage and cost, funnels (server: analytics/; docs/analytics.md). */
function analyticsRoutes(): ApiRoute[] {
  return [
    {
      method: 'get',
      path: '/api/sessions',
      summary: 'Sessions with their traces, turns, tokens, cost, errors, agents and models',
      description:
        'Aggregated by the store over every trace of the project that started in [from, to]; sorted by any column, cursor-paged.',
      tags: ['analytics'],
      access: 'read',
      query: sessionListParams,
      responses: { 200: ok(sessionPageSchema), 400: bad, 429: busy, 503: unavailable },
    },
    {
      method: 'get',
      path: '/api/sessions/{sessionId}',
      summary:
        "One session as a conversation: its aggregates and its traces oldest first, with each turn's input and output",
      tags: ['analytics'],
      access: 'read',
      pathParams: sessionPathParams,
      query: sessionDetailParams,
      responses: { 200: ok(sessionDetailSchema), 400: bad, 404: error('no such session'), 503: unavailable },
    },
    {
      method: 'get',
      path: '/api/users',
      summary: 'Users with their sessions, traces, turns, tokens, cost, errors, agents and models',
      tags: ['analytics'],
      access: 'read',
      query: userListParams,
      responses: { 200: ok(userPageSchema), 400: bad, 429: busy, 503: unavailable },
    },
    {
      method: 'get',
      path: '/api/usage',
      summary:
        'Calls, users, errors, tokens and cost per tool, agent, model, user, session, service or project, over time',
      description:
        'Feature usage (by=tool|agent|model) and cost attribution (by=user|session|service|project). by=project reads each project the caller may see.',
      tags: ['analytics'],
      access: 'read',
      query: usageParams,
      responses: { 200: ok(usageSchema), 400: bad, 429: busy, 503: unavailable },
    },
    {
      method: 'post',
      path: '/api/funnels/query',
      summary: 'A funnel: ordered span predicates per session or user within a time limit',
      description:
        'Counts, step-to-step conversion, drop-off and time to convert (p50/p95). At most 10 steps, a range of at most 92 days, a 5 s deadline.',
      tags: ['analytics'],
      access: 'read',
      body: funnelQueryBody,
      responses: {
        200: ok(funnelResultSchema),
        400: bad,
        413: error('body over 64 KiB'),
        415: error('Content-Type is not application/json'),
        429: busy,
        503: unavailable,
      },
    },
  ];
}

export const API_ROUTES: readonly ApiRoute[] = [
  ...analyticsRoutes(),
  {
    method: 'get',
    path: '/api/governance/violations',
    summary: 'Policy violations, newest first',
    description:
      "Violations of the CEL policies in governance.policies, found at ingest, in the caller's project.",
    tags: ['governance'],
    access: 'read',
    query: violationSearchParams,
    responses: { 200: ok(violationPageSchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/governance/summary',
    summary: 'Violations over time and by policy, severity, agent and mode; the policies in force',
    tags: ['governance'],
    access: 'read',
    query: violationSummaryParams,
    responses: { 200: ok(violationSummarySchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/traces',
    summary: 'Search traces, newest first',
    description: `Also takes attr.<key>=<value>: some span (or its resource) has this attribute, compared as text; at most ${MAX_ATTR_FILTERS} of them.`,
    tags: ['traces'],
    access: 'read',
    query: traceSearchParams,
    responses: { 200: ok(tracePageSchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/traces/{traceId}',
    summary: 'All spans of one trace, by start time',
    tags: ['traces'],
    access: 'read',
    pathParams: traceIdPathParams,
    responses: { 200: ok(traceSchema), 400: bad, 404: error('no such trace'), 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/traces/{traceId}/graph',
    summary:
      'The agent graph of one trace: agents, tools and models; calls and hand-offs with counts, latency and errors',
    tags: ['agent-graph'],
    access: 'read',
    pathParams: traceIdPathParams,
    responses: { 200: ok(agentGraphSchema), 400: bad, 404: error('no such trace'), 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/agent-graph',
    summary: 'The agent graph aggregated over the newest traces of a service or agent in a time range',
    description: `Reads at most ${MAX_GRAPH_TRACES} traces, and for at most 5 s: past either, \`truncated\` is set and the graph covers \`traces\` of them.`,
    tags: ['agent-graph'],
    access: 'read',
    query: agentGraphParams,
    responses: { 200: ok(agentGraphSchema), 400: bad, 429: busy, 503: unavailable },
  },
  {
    method: 'post',
    path: '/api/scores',
    summary: 'Score a trace, a span or a session (an annotation; audited)',
    description:
      'A value, a label or both, from a person (`human`), a judge model (`model`) or code (`code`). Sending an `id` again replaces that score.',
    tags: ['scores'],
    access: 'edit',
    body: scoreBodySchema,
    responses: {
      201: ok(scoreSchema, 'stored'),
      400: bad,
      404: error('no such trace or span in this project'),
      413: error('body over 16 KiB'),
      415: error('Content-Type is not application/json'),
      503: unavailable,
    },
  },
  {
    method: 'get',
    path: '/api/scores',
    summary: 'Scores, newest first, by trace, span, session, name, source and time',
    tags: ['scores'],
    access: 'read',
    query: scoreSearchParams,
    responses: { 200: ok(scorePageSchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/scores/summary',
    summary: 'Scores over time per name and agent or model: count, average, min, max, label counts',
    tags: ['scores'],
    access: 'read',
    query: scoreSummaryParams,
    responses: { 200: ok(scoreSummarySchema), 400: bad, 429: busy, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/logs',
    summary: 'Search logs, newest first',
    tags: ['logs'],
    access: 'read',
    query: logSearchParams,
    responses: { 200: ok(logPageSchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/anomalies',
    summary: 'Anomaly events of the project, newest first',
    description:
      'Live series anomalies and agent-behaviour anomalies (tool loops, runs far above the agent median, new tools or models), each with the traces behind it.',
    tags: ['anomalies'],
    access: 'read',
    query: anomalySearchParams,
    responses: { 200: ok(anomalyPageSchema), 400: bad, 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/forecasts/cost',
    summary: 'When the monthly cost budget is spent at the current rate (Holt–Winters on hourly cost)',
    tags: ['anomalies'],
    access: 'read',
    query: costForecastParams,
    responses: {
      200: ok(costForecastSchema),
      400: bad,
      503: unavailable,
    },
  },
  {
    method: 'get',
    path: '/api/forecasts/disk',
    summary:
      'When the data dir fills its filesystem at the current growth (Holt–Winters on its hourly size; server-wide, not per project)',
    tags: ['anomalies'],
    access: 'read',
    responses: { 200: ok(diskForecastSchema) },
  },
  {
    method: 'get',
    path: '/api/services',
    summary: 'Names of the services seen',
    tags: ['traces'],
    access: 'read',
    responses: { 200: ok(servicesSchema), 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/projects',
    summary: 'The projects the caller may see (for the project switcher)',
    tags: ['projects'],
    access: 'read',
    responses: { 200: ok(projectsSchema), 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/metrics/query',
    summary: 'Time series of span measures or ingested OTLP metrics',
    description: `For ingested metrics also takes attr.<key>=<value> (a point attribute; at most ${MAX_ATTR_FILTERS}). At most ${MAX_BUCKETS} points per series.`,
    tags: ['metrics'],
    access: 'read',
    query: metricQueryParams,
    responses: {
      200: ok(metricQueryResultSchema),
      400: bad,
      404: error('no such ingested metric'),
      503: unavailable,
    },
  },
  {
    method: 'get',
    path: '/api/metrics/names',
    summary: 'Span measures and the names of ingested OTLP metrics',
    tags: ['metrics'],
    access: 'read',
    responses: { 200: ok(metricNamesSchema), 503: unavailable },
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'Audit entries, newest first',
    tags: ['audit'],
    access: 'read',
    query: auditSearchParams,
    responses: { 200: ok(auditPageSchema), 400: bad },
  },
  {
    method: 'get',
    path: '/api/audit/entries/{index}',
    summary: 'One audit entry with its leaf hash',
    tags: ['audit'],
    access: 'read',
    pathParams: auditEntryPathParams,
    responses: { 200: ok(auditEntryLookupSchema), 400: bad, 404: error('no such entry') },
  },
  {
    method: 'get',
    path: '/api/audit/checkpoints/latest',
    summary: 'The latest signed checkpoint and the public key that verifies it',
    tags: ['audit'],
    access: 'read',
    responses: { 200: ok(latestCheckpointSchema), 404: error('no checkpoint signed yet') },
  },
  {
    method: 'get',
    path: '/api/audit/proofs/inclusion',
    summary: 'RFC 9162 inclusion proof of one entry',
    tags: ['audit'],
    access: 'read',
    query: inclusionProofParams,
    responses: { 200: ok(inclusionProofSchema), 400: bad },
  },
  {
    method: 'get',
    path: '/api/audit/proofs/consistency',
    summary: 'RFC 9162 consistency proof between two tree sizes',
    tags: ['audit'],
    access: 'read',
    query: consistencyProofParams,
    responses: { 200: ok(consistencyProofSchema), 400: bad },
  },
  {
    method: 'post',
    path: '/api/audit/actions',
    summary: 'Record a people action (config change, key rotation…)',
    tags: ['audit'],
    access: 'admin',
    body: auditActionBody,
    responses: { 201: ok(auditEntrySchema, 'recorded'), 400: bad, ...admin },
  },
  {
    method: 'post',
    path: '/api/audit/erasures',
    summary: 'GDPR erasure of a data subject: payloads go, leaf hashes stay',
    tags: ['audit'],
    access: 'admin',
    body: auditErasureBody,
    responses: { 201: ok(auditEntrySchema, 'erased; the erasure entry'), 400: bad, ...admin },
  },
  {
    method: 'post',
    path: '/api/audit/retention',
    summary: 'Run audit retention now',
    tags: ['audit'],
    access: 'admin',
    body: auditRetentionBody,
    responses: {
      200: ok(messageSchema, 'retention is off'),
      201: ok(auditEntrySchema, 'the retention entry'),
      400: bad,
      ...admin,
    },
  },
  {
    method: 'post',
    path: '/api/audit/checkpoints',
    summary: 'Sign a checkpoint now',
    tags: ['audit'],
    access: 'admin',
    responses: { 201: ok(checkpointSchema, 'signed'), ...admin },
  },
  {
    method: 'post',
    path: '/api/admin/backup',
    summary:
      'A consistent snapshot of this node (DuckDB store, audit log, keys) as a tar.gz with a manifest (docs/backup.md)',
    tags: ['admin'],
    access: 'admin',
    responses: {
      200: { description: 'the archive (application/gzip)' },
      429: error('a backup is already running'),
      503: error('the store is opening'),
      ...admin,
    },
  },
  {
    method: 'get',
    path: '/api/slos',
    summary: "The project's SLOs: SLI, budget left, burn rates, firing pairs, exhaustion forecast",
    tags: ['slo'],
    access: 'read',
    responses: { 200: ok(sloListSchema) },
  },
  {
    method: 'get',
    path: '/api/slos/{name}',
    summary: 'One SLO of the project, with its recent burn-rate history',
    tags: ['slo'],
    access: 'read',
    pathParams: sloPathParams,
    responses: { 200: ok(sloStatusSchema), 400: bad, 404: error('no SLO of that name in this project') },
  },
  {
    method: 'get',
    path: '/api/alerts',
    summary: "The project's alerts (pending, firing, recently resolved), with state, labels, since and value",
    tags: ['alerting'],
    access: 'read',
    responses: { 200: ok(alertListSchema) },
  },
  {
    method: 'get',
    path: '/api/silences',
    summary: "The project's silences (active, pending and recently expired)",
    tags: ['alerting'],
    access: 'read',
    responses: { 200: ok(silenceListSchema) },
  },
  {
    method: 'post',
    path: '/api/silences',
    summary: 'Create or update a silence (matchers as in Alertmanager)',
    tags: ['alerting'],
    access: 'edit',
    body: silenceBodySchema,
    responses: {
      200: ok(silenceCreatedSchema),
      400: bad,
      413: error('body over 64 KiB'),
      415: error('Content-Type is not application/json'),
      429: error('too many silences in this project'),
    },
  },
  {
    method: 'delete',
    path: '/api/silences/{id}',
    summary: 'Expire a silence now',
    tags: ['alerting'],
    access: 'edit',
    pathParams: silencePathParams,
    responses: { 200: ok(silenceCreatedSchema), 400: bad, 404: error('no such silence in this project') },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tags: ['meta'],
    access: 'read',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
  {
    method: 'get',
    path: '/api/exporters',
    summary: 'Every exporter: state, queue depth and lag, sent/failed/dropped/dead-lettered, last error',
    tags: ['exporters'],
    // server-wide (every project's records), and it names the targets: admins only
    access: 'admin',
    responses: { 200: ok(exporterListSchema), ...admin },
  },
  ...signinRoutes(),
  ...otlpRoutes,
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus exposition (OpenMetrics when Accept prefers it)',
    tags: ['metrics'],
    access: 'metrics',
    responses: {
      200: { description: 'text exposition format', mediaType: 'text/plain; version=0.0.4' },
    },
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    tags: ['health'],
    access: 'public',
    responses: { 200: ok(healthSchema) },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'The store is open and ingest is accepted',
    tags: ['health'],
    access: 'public',
    responses: { 200: ok(readySchema, 'ready'), 503: ok(notReadySchema, 'starting') },
  },
];
