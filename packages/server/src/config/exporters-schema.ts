/**
 * The `exporters:` section: a list of forwarders, each a member of one discriminated union on `type`.
 * Every member spreads `exporterCommon` (name, signals, filter, queue, batch, retry, timeout) and adds
 * its own keys. To add an exporter type: add its `z.strictObject({ type: z.literal('x'), ...exporterCommon,
 * … })` to `exporterSchema` below and its factory to exporters/registry.ts (docs/exporters.md).
 */
import { SPAN_KINDS } from '@witness/protocol';
import { z } from 'zod';

const MiB = 1024 * 1024;

/**
 * A secret (a token, an Authorization header, a password): never inline in the YAML (it would land in
 * backups and the audit log's config entry), but named: an environment variable or a file.
 */
export const exporterSecretRef = z
  .strictObject({
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    file: z.string().min(1).optional(),
  })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'give exactly one of env or file')
  .describe('A secret named by an environment variable (env) or a file (file), never written inline.');
export type ExporterSecretRef = z.infer<typeof exporterSecretRef>;

export const EXPORT_SIGNALS = ['spans', 'logs', 'metrics'] as const;
export type ExportSignal = (typeof EXPORT_SIGNALS)[number];

const exporterName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, '1–63 of a-z, 0-9, "_" and "-" (it names a directory and a label)');

const filterSchema = z
  .strictObject({
    projects: z
      .array(z.string().min(1))
      .max(1000)
      .default([])
      .describe('Only these projects (empty: every project).'),
    services: z
      .array(z.string().min(1))
      .max(1000)
      .default([])
      .describe('Only spans, logs and metric points of these service.name values (empty: every service).'),
    kinds: z
      .array(z.enum(SPAN_KINDS))
      .max(SPAN_KINDS.length)
      .default([])
      .describe(
        'Only spans of these Witness kinds (agent, llm, tool, …; empty: every kind). Logs and metrics pass.',
      ),
  })
  .prefault({})
  .describe('Which records this exporter forwards; all lists must match (AND), each list is an OR.');

const queueSchema = z
  .strictObject({
    maxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * MiB)
      .default(256 * MiB)
      .describe(
        'Most bytes the disk queue holds (records waiting to be shipped); past it records are dropped.',
      ),
    dropPolicy: z
      .enum(['oldest', 'newest'])
      .default('oldest')
      .describe(
        'When the queue is full: drop the oldest queued records (keep the newest) or refuse the newest.',
      ),
    segmentBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * MiB)
      .default(16 * MiB)
      .describe('Size at which the queue starts a new segment file; shipped segments are deleted whole.'),
    fsync: z
      .enum(['always', 'interval', 'never'])
      .default('interval')
      .describe(
        'When queued records are fsynced: after every append, every fsyncIntervalMs, or left to the OS (docs/exporters.md).',
      ),
    fsyncIntervalMs: z.number().int().min(10).max(60_000).default(1000),
    deadLetterMaxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * MiB)
      .default(64 * MiB)
      .describe(
        'Size at which dead-letter.ndjson is rotated to dead-letter.1.ndjson (one previous file kept, older ones deleted).',
      ),
    maxMemoryItems: z
      .number()
      .int()
      .min(100)
      .max(10_000_000)
      .default(100_000)
      .describe(
        'Records accepted from ingest and not yet written to the queue file at most (they are written within ms); past it dropped as the dropPolicy says.',
      ),
  })
  .prefault({});

const batchSchema = z
  .strictObject({
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(2000)
      .describe('Most records (spans + logs + points) in one request.'),
    timeoutMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(1000)
      .describe('A smaller batch is sent once its oldest record waited this long.'),
  })
  .prefault({});

const retrySchema = z
  .strictObject({
    initialBackoffMs: z.number().int().min(1).max(600_000).default(1000),
    maxBackoffMs: z.number().int().min(1).max(3_600_000).default(60_000),
    maxRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(300_000)
      .describe(
        'A Retry-After longer than this is cut to it (a misbehaving target cannot park the queue for days).',
      ),
  })
  .prefault({})
  .describe(
    'Retryable failures (network errors, timeouts, 408, 429, 5xx) are retried with full-jitter exponential backoff, honouring Retry-After, until they succeed; the queue bound decides what is dropped meanwhile.',
  );

/** What every exporter type has. */
export const exporterCommon = {
  name: exporterName.describe(
    'Unique; names the queue directory under <dataDir>/exporters and the metric label.',
  ),
  enabled: z.boolean().default(true),
  signals: z
    .array(z.enum(EXPORT_SIGNALS))
    .min(1)
    .optional()
    .describe('Which signals go to this exporter (default: every signal the type can send).'),
  filter: filterSchema,
  queue: queueSchema,
  batch: batchSchema,
  retry: retrySchema,
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(10_000)
    .describe('Per request: a slower answer counts as a retryable failure.'),
  shutdownGraceMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(5000)
    .describe(
      'At shutdown, how long the request in flight may still take to be answered (a delivered batch is then not sent again at the next start); past it the request is aborted and its batch stays queued.',
    ),
};

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'an HTTP header name');
const plainHeaders = z
  .record(headerName, z.string().max(8192))
  .default({})
  .describe(
    'Headers sent with every request (not secret: they are written to the audit log with the config).',
  );
const secretHeaders = z
  .record(headerName, exporterSecretRef)
  .default({})
  .describe('Headers whose values are secrets (API keys, Authorization), read from env or files at start.');

const httpUrl = z
  .string()
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//.test(u), 'an http:// or https:// URL');

export const exporterSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('otlp'),
    ...exporterCommon,
    endpoint: httpUrl.describe(
      'Base URL: http/protobuf posts to {endpoint}/v1/traces, /v1/logs, /v1/metrics; grpc dials its host:port.',
    ),
    protocol: z.enum(['http/protobuf', 'grpc']).default('http/protobuf'),
    compression: z
      .enum(['auto', 'gzip', 'none'])
      .default('auto')
      .describe(
        'auto: none to a loopback endpoint (localhost, 127.0.0.0/8, ::1: the bytes never cross a network and both ends would pay the CPU), gzip to any other (as the OpenTelemetry Collector does).',
      ),
    headers: plainHeaders,
    secretHeaders,
  }),
  z.strictObject({
    type: z.literal('prometheus_remote_write'),
    ...exporterCommon,
    url: httpUrl.describe('The remote-write endpoint, e.g. http://prometheus:9090/api/v1/write.'),
    headers: plainHeaders,
    secretHeaders,
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(15_000)
      .describe('How often the derived metrics are sampled and queued (a scrape interval).'),
    externalLabels: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(1024))
      .default({})
      .describe('Labels added to every series (e.g. instance, cluster).'),
  }),
  z.strictObject({
    type: z.literal('elasticsearch'),
    ...exporterCommon,
    url: httpUrl.describe(
      'The cluster, e.g. https://es.internal:9200 (the _bulk and _index_template APIs are under it).',
    ),
    indexPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,100}$/, 'a lowercase Elasticsearch index name prefix')
      .default('witness')
      .describe(
        'Daily indices <prefix>-spans-YYYY.MM.DD and <prefix>-logs-YYYY.MM.DD; the template covers <prefix>-*.',
      ),
    installTemplate: z
      .boolean()
      .default(true)
      .describe('PUT the index template before the first bulk request.'),
    apiKey: exporterSecretRef.optional().describe('Sent as "Authorization: ApiKey <value>".'),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    headers: plainHeaders,
    secretHeaders,
  }),
  z.strictObject({
    type: z.literal('splunk_hec'),
    ...exporterCommon,
    url: httpUrl.describe(
      'The HEC base URL, e.g. https://splunk.internal:8088 (posts to /services/collector/event).',
    ),
    token: exporterSecretRef.describe('The HEC token, sent as "Authorization: Splunk <token>".'),
    index: z.string().min(1).max(80).optional().describe("Target index (unset: the token's default index)."),
    source: z.string().min(1).max(200).default('witness'),
    host: z.string().min(1).max(200).optional(),
    sourcetypes: z
      .strictObject({
        spans: z.string().min(1).default('witness:span'),
        logs: z.string().min(1).default('witness:log'),
        metrics: z.string().min(1).default('witness:metric'),
      })
      .prefault({}),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    headers: plainHeaders,
  }),
  z.strictObject({
    type: z.literal('loki'),
    ...exporterCommon,
    url: httpUrl.describe('Loki (or its gateway), e.g. http://loki:3100 (posts to /loki/api/v1/push).'),
    tenantId: z.string().min(1).max(150).optional().describe('Sent as X-Scope-OrgID (multi-tenant Loki).'),
    labels: z
      .record(
        z
          .string()
          .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
          .refine(
            (k) => !['service_name', 'project', 'signal', 'level'].includes(k),
            'a label Witness sets itself',
          ),
        z.string().min(1).max(1024),
      )
      .refine(
        (l) => Object.keys(l).length <= 8,
        'at most 8 static labels (Loki indexes each combination as a stream)',
      )
      .default({})
      .describe(
        'Static labels on every stream (e.g. cluster, env), besides service_name, project, signal and level.',
      ),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    headers: plainHeaders,
    secretHeaders,
  }),
  z.strictObject({
    type: z.literal('cloudwatch'),
    ...exporterCommon,
    region: z.string().min(1).describe('AWS region of the log group.'),
    endpoint: httpUrl.optional().describe('Another endpoint (a VPC endpoint, a local test receiver).'),
    logGroupName: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[.\-_/#A-Za-z0-9]+$/),
    logStreamName: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^:*]+$/)
      .default('witness'),
    createLogGroup: z
      .boolean()
      .default(true)
      .describe('Create the group and stream at the first send (an existing one is fine).'),
    metricsNamespace: z
      .string()
      .min(1)
      .max(255)
      .default('Witness')
      .describe('Namespace of the metrics in the Embedded Metric Format events.'),
    dimensions: z
      .array(z.string().min(1).max(255))
      .max(28)
      .default([])
      .describe('Metric point attributes used as dimensions, besides project and service.name.'),
    accessKeyIdFile: z
      .string()
      .min(1)
      .optional()
      .describe('Unset = the SDK chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, instance role).'),
    secretAccessKeyFile: z.string().min(1).optional(),
  }),
]);

export type ExporterConfig = z.infer<typeof exporterSchema>;
export type ExporterType = ExporterConfig['type'];

export const exportersSection = z
  .array(exporterSchema)
  .max(100)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, e] of list.entries()) {
      if (seen.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `exporter name "${e.name}" is used twice`,
        });
      seen.add(e.name);
    }
  })
  .describe('Forwarders of what Witness receives to other backends (docs/exporters.md).');
