/**
 * Elasticsearch `_bulk`: spans and logs as ECS documents (ecs-documents.ts) into daily indices
 * `<prefix>-spans-YYYY.MM.DD` / `<prefix>-logs-YYYY.MM.DD`, after installing an index template for
 * `<prefix>-*` once (PUT _index_template, before the first bulk).
 *
 * Exactly once across retries: every span is a `create` with `_id` = trace id + span id, so a batch
 * sent again after a partial failure gets 409 (version_conflict) for what was already indexed, which
 * counts as delivered. Per-item outcome of the bulk response: 409 delivered; 429 or 5xx → the batch is
 * retried (what was indexed answers 409 the next time); any other item error (a mapping refusal, 400)
 * is permanent for that document and counted as `rejected` — the rest of the batch is delivered.
 * Logs have no identity of their own: they get `_id` = SHA-256 of their content, for the same reason.
 */
import { createHash } from 'node:crypto';
import type { ExporterConfig } from '../../config/index.js';
import { type HttpAnswer, sendHttp } from '../http-send.js';
import { resolveExporterSecret, resolveHeaders } from '../secrets.js';
import type { ExportBatch, Exporter, ExporterContext, ExportResult, SendContext } from '../types.js';
import { indexDay, indexTemplate, logDocument, spanDocument } from './ecs-documents.js';

export type ElasticsearchExporterConfig = Extract<ExporterConfig, { type: 'elasticsearch' }>;

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

export function bulkBody(batch: ExportBatch, prefix: string): { body: string; docs: number } {
  const lines: string[] = [];
  for (const s of batch.spans) {
    const _index = `${prefix}-spans-${indexDay(s.startTimeUnixNano)}`;
    lines.push(JSON.stringify({ create: { _index, _id: `${s.traceId}-${s.spanId}` } }));
    lines.push(JSON.stringify(spanDocument(batch.project, s)));
  }
  for (const l of batch.logs) {
    const _index = `${prefix}-logs-${indexDay(l.timeUnixNano || l.observedTimeUnixNano)}`;
    const doc = JSON.stringify(logDocument(batch.project, l));
    const _id = createHash('sha256').update(doc).digest('base64url');
    lines.push(JSON.stringify({ create: { _index, _id } }));
    lines.push(doc);
  }
  // The bulk API wants every line, the last included, ended by a newline.
  return { body: lines.length ? `${lines.join('\n')}\n` : '', docs: lines.length / 2 };
}

/** The per-item verdict of a 200 bulk answer (undefined: let the status table decide). */
export function classifyBulk(res: HttpAnswer, bytes: Uint8Array): ExportResult | undefined {
  if (res.status !== 200) return undefined;
  let parsed: { errors?: boolean; items?: Record<string, BulkItem>[] };
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { kind: 'retryable', error: 'bulk answer is not JSON', status: 200 };
  }
  if (!parsed.errors) return { kind: 'success' };
  let retry = 0;
  let rejected = 0;
  let firstRejected = '';
  let firstRetry = '';
  for (const entry of parsed.items ?? []) {
    const item = Object.values(entry)[0];
    if (!item || item.status < 300 || item.status === 409) continue;
    const why = `${item.status} ${item.error?.type ?? ''}: ${item.error?.reason ?? ''}`;
    if (item.status === 429 || item.status >= 500) {
      retry++;
      firstRetry ||= why;
    } else {
      rejected++;
      firstRejected ||= why;
    }
  }
  if (retry > 0)
    return {
      kind: 'retryable',
      error: `${retry} bulk items refused for now (first: ${firstRetry})`,
      status: 429,
    };
  return rejected > 0
    ? { kind: 'success', rejected, message: `${rejected} documents refused (first: ${firstRejected})` }
    : { kind: 'success' };
}

export function createElasticsearchExporter(
  config: ElasticsearchExporterConfig,
  ctx: ExporterContext,
): Exporter {
  const base = config.url.replace(/\/+$/, '');
  const headers = resolveHeaders(config.name, config.headers, config.secretHeaders, ctx.env);
  if (config.apiKey)
    headers.authorization = `ApiKey ${resolveExporterSecret(config.name, config.apiKey, ctx.env)}`;
  let templateInstalled = !config.installTemplate;
  return {
    name: config.name,
    type: config.type,
    signals: new Set(['spans', 'logs']),
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      if (!templateInstalled) {
        const r = await sendHttp(
          {
            url: `${base}/_index_template/${encodeURIComponent(config.indexPrefix)}`,
            method: 'PUT',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify(indexTemplate(config.indexPrefix)),
          },
          signal,
        );
        if (r.kind !== 'success')
          return { ...r, error: `installing the index template: ${r.error}` } as ExportResult;
        templateInstalled = true;
      }
      const { body, docs } = bulkBody(batch, config.indexPrefix);
      if (docs === 0) return { kind: 'success' };
      return sendHttp(
        {
          url: `${base}/_bulk`,
          headers: { ...headers, 'content-type': 'application/x-ndjson' },
          body,
          gzip: config.compression === 'gzip',
        },
        signal,
        classifyBulk,
      );
    },
  };
}
