import { z } from 'zod';
import { logSearchParams, traceSearchParams } from './params.js';

type JsonSchema = Record<string, unknown>;

const DESCRIPTIONS: Record<string, string> = {
  service: 'service.name of the trace (any span)',
  kind: 'some span of the trace has this kind',
  name: 'some span of the trace has exactly this name',
  status: 'error: some span errored; ok: none did',
  minDurationMs: 'trace duration at least this many milliseconds',
  maxDurationMs: 'trace duration at most this many milliseconds',
  from: 'trace (log) start at or after: ISO-8601 or epoch milliseconds',
  to: 'trace (log) start at or before: ISO-8601 or epoch milliseconds',
  sessionId: 'session id (witness.session.id, session.id, …)',
  userId: 'user id (witness.user.id, user.id, …)',
  agent: 'some span of the trace ran as this agent',
  model: 'some span of the trace used this model',
  limit: 'page size, 1..1000',
  cursor: 'nextCursor of the previous page',
  traceId: 'logs of this trace (32 hex characters)',
  severity: 'minimum severity: a number 1..24 or a name (DEBUG, INFO, WARN, ERROR, FATAL)',
  q: 'case-insensitive substring of the log body',
};

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    delete json.$schema;
    return { name, in: 'query', required: false, description: DESCRIPTIONS[name], schema: json };
  });
}

const nullable = (type: string) => ({ type: [type, 'null'] });
const nanos = { type: 'string', pattern: '^[0-9]+$', description: 'nanoseconds since the epoch, decimal' };
const errorResponse = {
  description: 'error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
const json = (ref: string, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const agentFields = {
  kind: {
    type: 'string',
    enum: [
      'agent',
      'llm',
      'tool',
      'step',
      'decision',
      'retrieval',
      'embedding',
      'workflow',
      'http',
      'db',
      'other',
    ],
  },
  model: nullable('string'),
  provider: nullable('string'),
  inputTokens: nullable('number'),
  outputTokens: nullable('number'),
  cacheReadTokens: nullable('number'),
  reasoningTokens: nullable('number'),
  costUsd: nullable('number'),
  sessionId: nullable('string'),
  userId: nullable('string'),
  agentName: nullable('string'),
  toolName: nullable('string'),
  sideEffect: nullable('boolean'),
  input: nullable('string'),
  output: nullable('string'),
  decision: {
    type: ['object', 'null'],
    properties: {
      choice: nullable('string'),
      alternatives: { type: 'array', items: { type: 'string' } },
      confidence: nullable('number'),
      rationale: nullable('string'),
    },
  },
  governance: {
    type: ['object', 'null'],
    properties: {
      mode: nullable('string'),
      actor: nullable('string'),
      actorRole: nullable('string'),
      workflow: nullable('string'),
      outcome: nullable('string'),
    },
  },
};

/** The OpenAPI 3.1 description of the query API; query parameters come from the zod schemas that validate them. */
export function buildOpenApiDocument(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Witness query API',
      version: '0.1.0',
      description:
        'Read what agents did. Times in nanoseconds are decimal strings. Every 4xx/5xx answers { "error": { "code", "message" } }. OTLP/HTTP ingest is at POST /v1/traces and /v1/logs (see the OTLP specification).',
    },
    paths: {
      '/api/traces': {
        get: {
          summary: 'Search traces, newest first',
          description:
            'Also takes attr.<key>=<value>: some span (or its resource) has this attribute, compared as text.',
          parameters: queryParameters(traceSearchParams),
          responses: { 200: json('TracePage'), 400: errorResponse },
        },
      },
      '/api/traces/{traceId}': {
        get: {
          summary: 'All spans of one trace, by start time',
          parameters: [
            {
              name: 'traceId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            },
          ],
          responses: { 200: json('Trace'), 400: errorResponse, 404: errorResponse },
        },
      },
      '/api/logs': {
        get: {
          summary: 'Search logs, newest first',
          parameters: queryParameters(logSearchParams),
          responses: { 200: json('LogPage'), 400: errorResponse },
        },
      },
      '/api/services': {
        get: {
          summary: 'Names of the services seen',
          responses: {
            200: {
              description: 'OK',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { services: { type: 'array', items: { type: 'string' } } },
                  },
                },
              },
            },
          },
        },
      },
      '/healthz': { get: { summary: 'The process is up', responses: { 200: { description: 'OK' } } } },
      '/readyz': {
        get: {
          summary: 'The store is open and ingest is accepted',
          responses: { 200: { description: 'ready' }, 503: errorResponse },
        },
      },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  enum: [
                    'BAD_REQUEST',
                    'UNAUTHORIZED',
                    'FORBIDDEN',
                    'NOT_FOUND',
                    'METHOD_NOT_ALLOWED',
                    'PAYLOAD_TOO_LARGE',
                    'UNSUPPORTED_MEDIA_TYPE',
                    'TOO_MANY_REQUESTS',
                    'INTERNAL_SERVER_ERROR',
                    'SERVICE_UNAVAILABLE',
                  ],
                },
                message: { type: 'string', description: 'what was wrong and what to do' },
              },
            },
          },
        },
        TraceSummary: {
          type: 'object',
          properties: {
            traceId: { type: 'string' },
            rootName: { type: 'string' },
            serviceName: { type: 'string' },
            startTimeUnixNano: nanos,
            durationMs: { type: 'number' },
            spanCount: { type: 'integer' },
            errorCount: { type: 'integer' },
            totalTokens: { type: 'number' },
            costUsd: nullable('number'),
            sessionId: nullable('string'),
            userId: nullable('string'),
          },
        },
        TracePage: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { $ref: '#/components/schemas/TraceSummary' } },
            nextCursor: nullable('string'),
          },
        },
        Span: {
          type: 'object',
          properties: {
            traceId: { type: 'string' },
            spanId: { type: 'string' },
            parentSpanId: nullable('string'),
            name: { type: 'string' },
            serviceName: { type: 'string' },
            startTimeUnixNano: nanos,
            endTimeUnixNano: nanos,
            durationMs: { type: 'number' },
            status: {
              type: 'object',
              properties: {
                code: { type: 'string', enum: ['unset', 'ok', 'error'] },
                message: { type: 'string' },
              },
            },
            attributes: { type: 'object' },
            resource: { type: 'object' },
            events: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string' }, timeUnixNano: nanos, attributes: { type: 'object' } },
              },
            },
            links: { type: 'array' },
            ...agentFields,
          },
        },
        Trace: {
          type: 'object',
          properties: {
            traceId: { type: 'string' },
            spans: { type: 'array', items: { $ref: '#/components/schemas/Span' } },
          },
        },
        Log: {
          type: 'object',
          properties: {
            timeUnixNano: nanos,
            severityNumber: { type: 'integer' },
            severityText: { type: 'string' },
            body: { type: 'string' },
            traceId: nullable('string'),
            spanId: nullable('string'),
            serviceName: { type: 'string' },
            attributes: { type: 'object' },
          },
        },
        LogPage: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { $ref: '#/components/schemas/Log' } },
            nextCursor: nullable('string'),
          },
        },
      },
    },
  };
}
