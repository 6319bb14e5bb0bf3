/**
 * Spans and logs as Elastic Common Schema documents (ECS 8.x field names): `@timestamp`, `trace.id`,
 * `span.id`, `parent.id`, `transaction.id` (the root span, as Elastic APM does), `service.name`,
 * `event.duration` (ns), `event.outcome`, `log.level`, `message`, `labels`. What ECS has no field for
 * goes under `witness.*` (agent kind, model, tokens, cost), and the OTLP attributes under
 * `witness.attributes` (mapped as `flattened`, so unknown keys cannot explode the mapping).
 */
import type { LogRecord, SpanRecord } from '../../model/index.js';

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();

/** The day of a record (UTC), for the daily index: `2026.12.02`. */
export function indexDay(ns: bigint): string {
  return iso(ns).slice(0, 10).replaceAll('-', '.');
}

export function spanDocument(project: string, s: SpanRecord): Record<string, unknown> {
  const durationNs = s.endTimeUnixNano - s.startTimeUnixNano;
  return {
    '@timestamp': iso(s.startTimeUnixNano),
    ecs: { version: '8.11.0' },
    trace: { id: s.traceId },
    span: { id: s.spanId, name: s.name, kind: SPAN_KINDS[s.spanKind] ?? 'unspecified' },
    ...(s.parentSpanId ? { parent: { id: s.parentSpanId } } : { transaction: { id: s.spanId } }),
    service: { name: s.serviceName },
    event: {
      kind: 'event',
      dataset: 'witness.spans',
      duration: Number(durationNs),
      outcome: s.statusCode === 'error' ? 'failure' : s.statusCode === 'ok' ? 'success' : 'unknown',
    },
    ...(s.statusCode === 'error' ? { error: { message: s.statusMessage } } : {}),
    labels: { project },
    ...(s.userId ? { user: { id: s.userId } } : {}),
    witness: {
      project,
      kind: s.kind,
      agent: s.agentName,
      model: s.model,
      provider: s.provider,
      tool: s.toolName,
      session: s.sessionId,
      tokens: { input: s.inputTokens, output: s.outputTokens },
      cost_usd: s.costUsd,
      attributes: stringify(s.attributes),
    },
  };
}

export function logDocument(project: string, l: LogRecord): Record<string, unknown> {
  return {
    '@timestamp': iso(l.timeUnixNano || l.observedTimeUnixNano),
    ecs: { version: '8.11.0' },
    message: l.body,
    log: { level: (l.severityText || severityName(l.severityNumber)).toLowerCase() },
    ...(l.traceId ? { trace: { id: l.traceId } } : {}),
    ...(l.spanId ? { span: { id: l.spanId } } : {}),
    service: { name: l.serviceName },
    event: { kind: 'event', dataset: 'witness.logs', severity: l.severityNumber },
    labels: { project },
    witness: { project, attributes: stringify(l.attributes) },
  };
}

function severityName(n: number): string {
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return n > 0 ? 'trace' : 'unspecified';
}

/** `flattened` fields take strings; attribute values of other types are written as JSON text. */
function stringify(attrs: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attrs) {
    const v = attrs[k];
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** The index template installed at start: every daily index `<prefix>-*` gets these mappings. */
export function indexTemplate(prefix: string): Record<string, unknown> {
  const kw = { type: 'keyword', ignore_above: 1024 };
  return {
    index_patterns: [`${prefix}-*`],
    priority: 200,
    template: {
      settings: { number_of_shards: 1 },
      mappings: {
        dynamic: false,
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'match_only_text' },
          ecs: { properties: { version: kw } },
          trace: { properties: { id: kw } },
          span: { properties: { id: kw, name: kw, kind: kw } },
          parent: { properties: { id: kw } },
          transaction: { properties: { id: kw } },
          service: { properties: { name: kw } },
          user: { properties: { id: kw } },
          error: { properties: { message: { type: 'match_only_text' } } },
          log: { properties: { level: kw } },
          labels: { properties: { project: kw } },
          event: {
            properties: {
              kind: kw,
              dataset: kw,
              duration: { type: 'long' },
              outcome: kw,
              severity: { type: 'long' },
            },
          },
          witness: {
            properties: {
              project: kw,
              kind: kw,
              agent: kw,
              model: kw,
              provider: kw,
              tool: kw,
              session: kw,
              tokens: { properties: { input: { type: 'long' }, output: { type: 'long' } } },
              cost_usd: { type: 'double' },
              attributes: { type: 'flattened' },
            },
          },
        },
      },
    },
    _meta: { managed_by: 'witness' },
  };
}
