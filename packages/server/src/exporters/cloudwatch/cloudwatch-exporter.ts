/**
 * CloudWatch Logs through the official SDK (`@aws-sdk/client-cloudwatch-logs`): logs and spans as
 * JSON log events (PutLogEvents), and OTLP metric points as Embedded Metric Format events in the same
 * stream — CloudWatch extracts the metrics from them (namespace and dimensions from the config), so
 * metrics need no second API or client. The log group and stream are created at the first send when
 * asked (an existing one is fine).
 *
 * PutLogEvents' limits are kept by splitting: at most 10,000 events, 1,048,576 bytes (each message + 26)
 * and 24 hours per call, in time order. Errors: throttling, service unavailable, 5xx and anything the
 * SDK marks retryable → retryable; a missing group/stream → created again, then retryable; other 4xx
 * (InvalidParameterException, access denied) → permanent (dead letter). A network error is retryable.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  type InputLogEvent,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { readFileSync } from 'node:fs';
import type { ExporterConfig } from '../../config/index.js';
import type { MetricPoint } from '../../metrics/index.js';
import type { LogRecord, SpanRecord } from '../../model/index.js';
import { networkFailure } from '../classify.js';
import type { ExportBatch, Exporter, ExporterContext, ExportResult, SendContext } from '../types.js';

export type CloudWatchExporterConfig = Extract<ExporterConfig, { type: 'cloudwatch' }>;

const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
const DAY_MS = 86_400_000;

const ms = (ns: bigint): number => Number(ns / 1_000_000n);

function logEvent(project: string, l: LogRecord): InputLogEvent {
  return {
    timestamp: ms(l.timeUnixNano || l.observedTimeUnixNano),
    message: JSON.stringify({
      type: 'log',
      project,
      service: l.serviceName,
      severity: l.severityText || l.severityNumber,
      body: l.body,
      trace_id: l.traceId ?? undefined,
      span_id: l.spanId ?? undefined,
      attributes: l.attributes,
    }),
  };
}

function spanEvent(project: string, s: SpanRecord): InputLogEvent {
  return {
    timestamp: ms(s.startTimeUnixNano),
    message: JSON.stringify({
      type: 'span',
      project,
      service: s.serviceName,
      name: s.name,
      trace_id: s.traceId,
      span_id: s.spanId,
      parent_span_id: s.parentSpanId ?? undefined,
      kind: s.kind,
      status: s.statusCode,
      duration_ms: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
      agent: s.agentName ?? undefined,
      model: s.model ?? undefined,
      tool: s.toolName ?? undefined,
      input_tokens: s.inputTokens ?? undefined,
      output_tokens: s.outputTokens ?? undefined,
      cost_usd: s.costUsd ?? undefined,
    }),
  };
}

/** One EMF event per point: the dimensions' values are the event's own keys, as EMF wants. */
export function emfEvent(
  project: string,
  p: MetricPoint,
  namespace: string,
  dimensions: string[],
): InputLogEvent | null {
  const value = p.value ?? p.sum;
  if (value === null) return null;
  const doc: Record<string, unknown> = { project, 'service.name': p.serviceName };
  for (const d of dimensions) {
    const v = p.attributes[d];
    if (v !== undefined && !(d in doc)) doc[d] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const dims = [
    'project',
    'service.name',
    ...dimensions.filter((d) => d in doc && d !== 'project' && d !== 'service.name'),
  ];
  doc[p.metric] = value;
  doc._aws = {
    Timestamp: ms(p.timeUnixNano),
    CloudWatchMetrics: [
      {
        Namespace: namespace,
        Dimensions: [dims.slice(0, 30)],
        Metrics: [{ Name: p.metric, Unit: unitOf(p.unit) }],
      },
    ],
  };
  return { timestamp: ms(p.timeUnixNano), message: JSON.stringify(doc) };
}

/** OTLP's UCUM units to CloudWatch's, where there is one. */
function unitOf(unit: string): string {
  return (
    (
      {
        s: 'Seconds',
        ms: 'Milliseconds',
        us: 'Microseconds',
        By: 'Bytes',
        '1': 'Count',
        '{request}': 'Count',
      } as Record<string, string>
    )[unit] ?? 'None'
  );
}

/** Events in time order, cut to PutLogEvents' limits. */
export function putBatches(events: InputLogEvent[]): InputLogEvent[][] {
  const sorted = [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const out: InputLogEvent[][] = [];
  let cur: InputLogEvent[] = [];
  let bytes = 0;
  for (const e of sorted) {
    const size = Buffer.byteLength(e.message ?? '') + EVENT_OVERHEAD;
    const first = cur[0]?.timestamp ?? 0;
    if (
      cur.length > 0 &&
      (cur.length >= MAX_EVENTS || bytes + size > MAX_BYTES || (e.timestamp ?? 0) - first >= DAY_MS)
    ) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

function classifyAwsError(err: unknown): ExportResult {
  const e = err as {
    name?: string;
    message?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  const error = `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
  if (status === undefined) return networkFailure(err);
  if (
    e.$retryable ||
    status >= 500 ||
    status === 429 ||
    /Throttl|ServiceUnavailable|LimitExceeded|RequestTimeout/.test(e.name ?? '')
  )
    return { kind: 'retryable', error, status };
  return { kind: 'permanent', error, status };
}

export function createCloudWatchExporter(config: CloudWatchExporterConfig, _ctx: ExporterContext): Exporter {
  const file = (p: string) => readFileSync(p, 'utf8').trim();
  const credentials =
    config.accessKeyIdFile && config.secretAccessKeyFile
      ? { accessKeyId: file(config.accessKeyIdFile), secretAccessKey: file(config.secretAccessKeyFile) }
      : undefined;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new CloudWatchLogsClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    // The framework retries with its own backoff and disk queue: one SDK attempt per send.
    maxAttempts: 1,
  });
  const { logGroupName, logStreamName } = config;
  let ready = !config.createLogGroup;
  const ensure = async (signal: AbortSignal) => {
    for (const cmd of [
      new CreateLogGroupCommand({ logGroupName }),
      new CreateLogStreamCommand({ logGroupName, logStreamName }),
    ])
      try {
        await client.send(cmd as never, { abortSignal: signal });
      } catch (err) {
        if ((err as Error).name !== 'ResourceAlreadyExistsException') throw err;
      }
    ready = true;
  };
  return {
    name: config.name,
    type: config.type,
    signals: new Set(['spans', 'logs', 'metrics']),
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      const events: InputLogEvent[] = [];
      for (const l of batch.logs) events.push(logEvent(batch.project, l));
      for (const s of batch.spans) events.push(spanEvent(batch.project, s));
      for (const p of batch.points) {
        const e = emfEvent(batch.project, p, config.metricsNamespace, config.dimensions);
        if (e) events.push(e);
      }
      if (events.length === 0) return { kind: 'success' };
      try {
        if (!ready) await ensure(signal);
        // A batch is resent whole after a failure; CloudWatch Logs has no idempotency key (at least once).
        for (const logEvents of putBatches(events))
          await client.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }), {
            abortSignal: signal,
          });
        return { kind: 'success' };
      } catch (err) {
        if ((err as Error).name === 'ResourceNotFoundException' && config.createLogGroup) {
          // Deleted under us: created again at the next attempt, so this one is worth retrying.
          ready = false;
          return {
            kind: 'retryable',
            error: `${(err as Error).name}: ${(err as Error).message}`,
            status: 400,
          };
        }
        return classifyAwsError(err);
      }
    },
    close() {
      client.destroy();
    },
  };
}
