/**
 * The composition root: one Witness process. It opens the store, builds the ingest pipeline with its
 * sinks, mounts the OTLP receivers, the query API, /metrics and the UI, and listens. Every module is
 * created here and handed what it needs; nothing below this file reads the environment.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { hostname } from 'node:os';
import { AlertEngine, alertingRoutes } from './alerting/index.js';
import { CheckpointPublisher, LeaseElector, roleGate, runs } from './cluster/index.js';
import { anomalyRoutes, DiskWatch, directoryBytes, LiveAnomalies } from './anomaly/index.js';
import { AuditLog, auditRoutes, openAuditSink, spanKey } from './audit/index.js';
import { startAuditArchive } from './audit-archive/index.js';
import { type BackupSources, backupRoutes } from './backup/index.js';
import {
  type Auth,
  type Authenticator,
  checkStartSafety,
  clientAddressOf,
  createAuth,
  createOidcSignin,
  keysFilePath,
  signinRoutes,
} from './auth/index.js';
import type { WitnessConfig } from './config/index.js';
import { makeDataDirPrivate } from './data-dir/index.js';
import {
  type CertificateInfo,
  createApp,
  errorBody,
  daysLeft,
  HEALTH_PATHS,
  hostCheck,
  loadTlsMaterial,
  refuseOtlp,
  registerTlsMetrics,
  registerOtlpRoute,
  registerStaticUi,
  securityHeaders,
  type TlsMaterial,
  TlsReloader,
  type TlsReloadResult,
} from './http/index.js';
import { derivedSamples, ExporterHub, exportersRoutes } from './exporters/index.js';
import { Admission, IngestPipeline, type IngestSink } from './ingest/index.js';
import { createLogger, type Logger, requestLogger } from './logging/index.js';
import { ClickHouseMetricPoints, createMetrics, MemoryWatch } from './metrics/index.js';
import { normalizeSpans } from './normalize/index.js';
import { boundDerivedFields, DEFAULT_DECODE_LIMITS, logsSignal, tracesSignal } from './otlp/index.js';
import { type GrpcReceiver, grpcRequestsCounter, startGrpcReceiver } from './otlp/grpc/index.js';
import { Governance, governanceRoutes, type PolicySpec, ViolationStore } from './governance/index.js';
import { EXPENSIVE_READS, QueryGate, queryRoutes } from './query/index.js';
import { agentGraphRoutes } from './agent-graph/index.js';
import { ScoreSink, scoreRoutes } from './scores/index.js';
import { analyticsRoutes, withBudgetRules } from './analytics/index.js';
import { redactorFromConfig } from './redact/index.js';
import { retentionCutoff, scheduleRetention } from './retention/index.js';
import { anyFault, faultsFromEnv } from './fault/index.js';
import { faultyStore, Replayer, registerSpoolMetrics, Spool } from './spool/index.js';
import {
  checkDataDirWritable,
  type StorageErrno,
  StorageMetrics,
  storageErrnoOf,
  storageProblem,
} from './storage-health/index.js';
import { ClickHouseStore, clickHouseOptions, openClickHouseStore } from './store/clickhouse/index.js';
import { openDuckDbStore } from './store/duckdb/index.js';
import { ConnectionPool, type Violations } from './store/index.js';
import type { AppendOptions, IngestBatch, Store } from './store/types.js';

export interface StartServerOptions {
  config: WitnessConfig;
  logger?: Logger;
  /** Extra durable or derived sinks (tests, exporters). */
  sinks?: IngestSink[];
  version?: string;
  /** `--insecure`: serve a non-loopback address with auth off (warned about on every start). */
  insecure?: boolean;
  /** More authenticators, asked after API keys and the scrape token (OIDC). */
  authenticators?: Authenticator[];
  /** How often the API keys file is checked for changes, ms. @default 250 */
  keysPollMs?: number;
  /** Where receivers' secrets named by env come from (the CLI passes process.env). @default {} */
  env?: Record<string, string | undefined>;
  /**
   * Test-only fault hook (spool/fault-store.ts): a file whose content `refuse` or `hang` makes store
   * writes fail or stall. The CLI sets it from WITNESS_FAULT_STORE; it is never read from the config.
   */
  storeFaultFile?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  store: Store;
  pipeline: IngestPipeline;
  /** The tamper-evident audit log (null when `audit.enabled` is false). */
  audit: AuditLog | null;
  /** Whether auth is on, and the API keys the server knows. */
  auth: Auth;
  /** Live anomaly detection (null when `anomaly.enabled` is false). */
  anomalies: LiveAnomalies | null;
  /** The ingest spool (null when `spool.enabled` is false). */
  spool: Spool | null;
  /** The HTTP app; its `routes` table is what test/openapi-routes checks against /api/openapi.json. */
  app: Hono;
  /** The OTLP/gRPC listener (server.grpc), null when it is off. */
  grpc: { port: number; address: string; tls: boolean } | null;
  /** The certificate served now (null over plain HTTP). */
  tlsCertificate(): CertificateInfo | null;
  /**
   * Re-reads server.tls.cert/key and serves the new pair to new connections; a bad pair keeps the old
   * one (`ok: false`, logged as an error). What `witness serve` runs on SIGHUP. Null over plain HTTP.
   */
  reloadTls(): TlsReloadResult | null;
  /** The policy engine (governance.policies). */
  governance: Governance;
  /**
   * Replaces the policies (what `witness serve` runs on SIGHUP with the re-read config file). A bad
   * policy throws PolicyError naming it and the policies in force stay; a change is audited.
   */
  reloadPolicies(policies: readonly PolicySpec[]): Promise<void>;
  /** SLOs and alert rules, evaluated every alerts.evaluationInterval. */
  alerting: AlertEngine;
  /** The configured exporters (config `exporters`; none configured: an empty hub). */
  exporters: ExporterHub;
  /** Takes new `slos` and `alerts` sections (SIGHUP); alert states carry over. */
  reloadAlerting(
    config: Pick<WitnessConfig, 'slos' | 'alerts'> & Partial<Pick<WitnessConfig, 'budgets'>>,
  ): void;
  /** Stops listening, lets requests in flight finish, closes the store (flushing it). */
  close(): Promise<void>;
}

export const DATABASE_FILE = 'witness.duckdb';
/** Where the audit sink keeps how far the audit log is known stored (see audit-sink.ts). */
const AUDIT_WATERMARK_FILE = 'audit-ingest-watermark.json';

/**
 * The HTTP server with every connection bounded: how many, how long a client may take to send its
 * headers and its whole request (Node answers 408 and closes), how long a connection may sit idle.
 * Node's defaults (no connection cap, 300 s per request, no idle limit) let slow clients pin memory.
 */
function listen(fetch: Hono['fetch'], opts: WitnessConfig['server'], tls: TlsMaterial | null): ServerType {
  const server = serve({
    fetch,
    hostname: opts.host,
    port: opts.port,
    ...(tls ? { createServer: createHttpsServer } : {}),
    serverOptions: {
      ...(tls ? { cert: tls.cert, key: tls.key } : {}),
      // Node refuses a headers timeout above the request timeout
      headersTimeout: Math.min(opts.headersTimeoutMs, opts.requestTimeoutMs),
      requestTimeout: opts.requestTimeoutMs,
      keepAliveTimeout: opts.keepAliveTimeoutMs,
      // how often Node checks those two timeouts (its default, 30 s, would let them overrun by that much)
      connectionsCheckingInterval: Math.max(100, Math.min(1000, opts.headersTimeoutMs / 4)),
    },
  }) as HttpServer;
  server.maxConnections = opts.maxConnections;
  server.setTimeout(opts.idleTimeoutMs);
  return server;
}

function logCertificate(
  logger: Logger,
  info: CertificateInfo,
  msg: string,
  previous?: CertificateInfo,
): void {
  const fields = {
    subject: info.subject,
    subjectAltName: info.subjectAltName,
    serialNumber: info.serialNumber,
    fingerprint256: info.fingerprint256,
    validTo: info.validTo.toISOString(),
    ...(previous ? { previousFingerprint256: previous.fingerprint256 } : {}),
  };
  logger.info(fields, msg);
  const days = daysLeft(info);
  if (days < 14)
    logger.warn(
      fields,
      days < 0
        ? 'the TLS certificate has expired: clients will refuse it'
        : `the TLS certificate expires in ${Math.floor(days)} days`,
    );
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger();
  const faults = faultsFromEnv(options.env);
  if (anyFault(faults))
    logger.warn(
      { ingestDelayMs: faults.ingestDelayMs, faultFile: faults.file?.path },
      'TEST-ONLY fault injection is on (WITNESS_FAULT_*): never in production',
    );
  // The data dir's health (failed writes by cause, fsync time, clock steps): registered once metrics exist.
  let storageMetrics: StorageMetrics | null = null;
  // A bad certificate stops the start here, before anything is opened, with a message naming the file.
  const tlsPaths =
    config.server.tls.cert && config.server.tls.key
      ? { cert: config.server.tls.cert, key: config.server.tls.key }
      : null;
  const tls = tlsPaths ? loadTlsMaterial(tlsPaths) : null;
  if (tls) logCertificate(logger, tls.info, 'serving HTTPS');
  const dataDir = resolve(config.dataDir);
  const target = config.server.target;
  const role = runs(target);
  const nodeName = config.server.nodeName ?? hostname();
  // before anything is created: a refused start leaves nothing behind
  checkStartSafety(config, options.insecure ?? false, logger);
  const privacy = makeDataDirPrivate(dataDir);
  if (privacy.tightened.length > 0)
    logger.warn(
      { dataDir, paths: privacy.tightened.length, first: privacy.tightened.slice(0, 5) },
      'took group/other permissions off the data directory and its files (they hold prompts and keys)',
    );
  for (const f of privacy.failed)
    logger.warn({ path: f.path, err: f.error }, 'could not make this data-dir path private to Witness');
  checkDataDirWritable(dataDir);

  let store: Store | null = null;
  const audit = config.audit.enabled
    ? await AuditLog.open({
        dir: join(dataDir, 'audit'),
        keysDir: join(dataDir, 'keys'),
        ...config.audit,
        onKeyCreated: (key) =>
          logger.warn(
            { privateKey: key.privateKeyPath, publicKey: key.publicKeyPath, keyId: key.keyId },
            'generated a new audit signing key; back up the private key and give the public key to whoever verifies the audit log',
          ),
        onError: (err) => {
          const errno = storageErrnoOf(err);
          if (errno) storageMetrics?.count(errno, 'audit');
          logger.error({ err, ...(errno ? { problem: storageProblem(errno) } : {}) }, 'audit log failed');
        },
        onClockBehind: (behindMs) => {
          storageMetrics?.clock(behindMs);
          if (behindMs > 0)
            logger.warn(
              { behindMs },
              'the wall clock went back: audit entries and checkpoints keep the last time used until it catches up',
            );
          else logger.info('the wall clock caught up with the audit log again');
        },
        onSync: (seconds) => storageMetrics?.synced('audit', seconds),
        ...(faults.file
          ? { now: faults.file.now, beforeSync: faults.file.beforeSync, beforeWrite: faults.file.beforeWrite }
          : {}),
      })
    : null;
  // A changed configuration is a people action: record it (without the scrape token and client secret).
  await audit?.recordConfig({
    ...config,
    auth: {
      ...config.auth,
      scrapeToken: config.auth.scrapeToken ? '(set)' : null,
      oidc: { ...config.auth.oidc, clientSecret: config.auth.oidc.clientSecret ? '(set)' : null },
    },
  });
  const metrics = createMetrics({
    derived: config.metrics.derived,
    seriesLimit: config.metrics.seriesLimit,
    maxExpositionBytes: config.metrics.maxExpositionBytes,
    scrapeCacheMs: config.metrics.scrapeCacheMs,
    runtime: config.metrics.runtime,
    version: options.version,
    validModes: config.governance.modes,
    // several nodes: each ingest node's derived series carry its name, and Prometheus sums across them
    node: target === 'all' ? null : nodeName,
    onPointsStored: (project, points) => exporters.offerPoints(project, points),
  });
  storageMetrics = new StorageMetrics(metrics.self.registry);
  // Forwarders: each a derived sink with its own disk queue (docs/exporters.md). Built before the
  // store opens so a secret that cannot be read stops the start here, naming the exporter.
  // Exporters follow ingest: a query node receives nothing to forward.
  const exporters = new ExporterHub({
    exporters: role.ingest ? config.exporters : [],
    dataDir,
    registry: metrics.self.registry,
    logger,
    env: options.env,
    // queues, shipping loops and target requests off the thread that ingests (docs/exporters.md)
    thread: true,
    samples: metrics.derived
      ? () => derivedSamples(metrics.derived as NonNullable<typeof metrics.derived>)
      : undefined,
  });
  // PII and secrets go before anything is stored, audited, counted or exported (docs/governance.md).
  const redactor = redactorFromConfig(config.redaction, dataDir, (path) =>
    logger.warn(
      { path },
      'generated the redaction HMAC key; back it up: hashed values stay joinable only under the same key',
    ),
  );
  if (redactor) {
    const redactions = metrics.self.redactions;
    for (const detector of redactor.detectorNames) redactions.inc({ detector }, 0);
    const reported: Record<string, number> = {};
    metrics.self.addCollector(() => {
      for (const [detector, n] of Object.entries(redactor.counts)) {
        const delta = n - (reported[detector] ?? 0);
        if (delta > 0) redactions.inc({ detector }, delta);
        reported[detector] = n;
      }
    });
  }
  const {
    enabled: anomaliesOn,
    monthlyCostBudgetUsd: _budget,
    diskSampleMinutes,
    diskLimitBytes,
    ...anomalyOptions
  } = config.anomaly;
  const disk = new DiskWatch({
    dataDir,
    sampleMinutes: diskSampleMinutes,
    limitBytes: diskLimitBytes,
    registry: metrics.self.registry,
    onError: (err) => logger.warn({ err }, 'data dir size sample failed'),
  });
  const anomalies = anomaliesOn
    ? new LiveAnomalies({
        ...anomalyOptions,
        registry: metrics.self.registry,
        onError: (err) => logger.error({ err }, 'anomaly detection failed'),
      })
    : null;
  const violations = metrics.self.governanceViolations;
  // the alerting engine starts after the store opens; violations before it only log
  const policyAlerts: { engine: AlertEngine | null } = { engine: null };
  const prescriptiveCounter = metrics.self.prescriptiveLanguage;
  const governance = new Governance({
    policies: config.governance.policies,
    prescriptive: config.governance.prescriptive.enabled,
    maxTraces: config.governance.maxTraces,
    traceIdleMs: config.governance.traceIdleTimeout,
    audit,
    onViolation: (policy, severity) => violations.inc({ policy, severity }),
    onPrescriptive: (type) => prescriptiveCounter.inc({ type }),
    // an `alert` policy's violation raises an alert of the alerting engine (docs/governance.md); the
    // warning stays, for a server with no receivers
    onAlert: (v) => {
      logger.warn(
        { policy: v.policy, severity: v.severity, traceId: v.traceId, spanId: v.spanId },
        'policy alert',
      );
      policyAlerts.engine?.raisePolicyAlert(v);
    },
  });
  let violationStore: Violations | null = null;
  // Opened before the pipeline: batches a previous run spooled wait here for the store (docs/spool.md).
  const spool =
    config.spool.enabled && role.ingest
      ? Spool.open({
          dir: config.spool.dir ? resolve(config.spool.dir) : join(dataDir, 'spool'),
          maxBytes: config.spool.maxBytes,
          segmentBytes: config.spool.segmentBytes,
          retryAfterSeconds: config.spool.retryAfterSeconds,
          onTornTail: (file, keptBytes, cutBytes) =>
            logger.warn(
              { file, keptBytes, cutBytes },
              'cut a torn tail off a spool segment (a crash mid-write; none of it was acknowledged)',
            ),
        })
      : null;
  if (spool && spool.depth.batches > 0)
    logger.info(spool.depth, 'batches spooled by a previous run wait for the store');
  const pipeline = new IngestPipeline({
    spool: spool ?? undefined,
    storeTimeoutMs: config.spool.storeTimeoutMs,
    onStoreError: (err) =>
      logger.warn({ err }, 'store write failed or timed out; the batch goes to the spool'),
    normalize: normalizeSpans,
    stages: [
      ...(redactor
        ? [
            (batch: IngestBatch) => {
              redactor.redactSpans(batch.spans);
              redactor.redactLogs(batch.logs);
            },
          ]
        : []),
      // the agent fields become indexed columns: cut them like the names the decoder already cut (after
      // redaction, so a value is never cut in half before a detector sees it whole)
      (batch: IngestBatch) => boundDerivedFields(batch.spans, DEFAULT_DECODE_LIMITS),
      // policies see the span as it will be stored (redacted), and may redact more
      (batch: IngestBatch) => governance.stage(batch),
    ],
    onSinkError: (sink, err) => {
      metrics.self.sinkErrors.inc({ sink: sink.name });
      logger.warn({ err, sink: sink.name }, 'derived sink failed; the batch is stored');
    },
  });
  const admission = new Admission({
    maxInFlightBytes: config.limits.maxInFlightBytes,
    maxInFlightBatches: config.limits.maxInFlightRequests,
  });

  const oidc = createOidcSignin({
    config: config.auth.oidc,
    logger,
    registry: metrics.self.registry,
    audit,
    clientAddress: clientAddressOf(config.auth.trustedProxies),
  });
  const app = createApp({ onError: (err) => logger.error({ err }, 'request failed') });
  app.use('*', requestLogger(logger));
  app.use('*', securityHeaders({ hstsMaxAgeSeconds: tls ? config.server.tls.hstsMaxAgeSeconds : 0 }));
  // Before anything reads data: a rebound name gets 403 (health checks are exempt: they carry nothing).
  app.use(
    '*',
    hostCheck({
      allowedHosts: config.server.allowedHosts,
      boundHost: config.server.host,
      exemptPaths: HEALTH_PATHS,
    }),
  );
  // --target ingest|query: what this node does not serve answers 404 naming its role (before auth).
  if (target !== 'all') app.use('*', roleGate(target));
  const auth = createAuth({
    config,
    dataDir,
    logger,
    registry: metrics.self.registry,
    audit,
    // after API keys and the scrape token: bearer JWTs from the OIDC issuer, then the session cookie
    authenticators: [...(options.authenticators ?? []), ...(oidc?.authenticators ?? [])],
    keysPollMs: options.keysPollMs,
    // OTLP exporters parse refusals in the OTLP status shape; everything else gets the JSON error
    deny: (c, err, headers) =>
      c.req.path.startsWith('/v1/')
        ? refuseOtlp(c, err, headers, {
            maxBytes: config.server.lingerMaxBytes,
            maxMs: config.server.lingerMs,
          })
        : c.json(errorBody(err), err.status, headers),
  });
  // Every route's `access` (API_ROUTES) is enforced here, before any handler; auth off = open.
  app.use('*', auth.middleware);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    store ? c.json({ status: 'ready' }) : c.json({ status: 'starting', reason: 'the store is opening' }, 503),
  );
  app.use('/v1/*', metrics.otlpObserver);
  const otlpDeps = {
    faultDelayMs: faults.ingestDelayMs,
    pipeline,
    admission,
    limits: config.limits,
    linger: { maxBytes: config.server.lingerMaxBytes, maxMs: config.server.lingerMs },
    ready: () => store !== null,
    onError: (err: unknown) => logger.error({ err }, 'ingest failed'),
    onStorageError: (errno: StorageErrno, err: unknown) => {
      storageMetrics?.count(errno, 'ingest');
      logger.error(
        { err, problem: storageProblem(errno) },
        'ingest refused: the data directory cannot be written',
      );
    },
  };
  const otlpSignals = [tracesSignal(), logsSignal(), metrics.otlpSignal];
  for (const signal of otlpSignals) registerOtlpRoute(app, signal, otlpDeps);
  // OTLP/gRPC calls are served in-process by the same auth middleware and OTLP routes (otlp/grpc);
  // ingest only, so a query node opens no gRPC port
  if (config.server.grpc.enabled && !role.ingest)
    logger.warn({ target }, 'server.grpc is on but this node does not ingest: OTLP/gRPC is not served');
  const grpcApp =
    config.server.grpc.enabled && role.ingest
      ? createApp({ onError: (err) => logger.error({ err }, 'OTLP/gRPC request failed') })
      : null;
  if (grpcApp) {
    // refusals logged as over HTTP (warn, with the path), told apart by `transport`
    grpcApp.use('*', requestLogger(logger.child({ transport: 'grpc' })));
    grpcApp.use('*', auth.middleware);
    grpcApp.use('/v1/*', metrics.otlpObserver);
    for (const signal of otlpSignals) registerOtlpRoute(grpcApp, signal, otlpDeps);
  }
  // the expensive reads queue for a few slots (429 past the bound), leaving the store's read
  // connections to the cheap ones; registered before the routes so it runs first
  const expensive = new QueryGate({
    maxRunning: config.limits.maxExpensiveQueries,
    maxWaiting: config.limits.maxExpensiveQueriesWaiting,
    maxWaitMs: config.limits.expensiveQueryWaitMs,
  }).middleware();
  for (const path of EXPENSIVE_READS) app.on(path.method, path.path, expensive);
  if (audit) app.route('/api', auditRoutes(audit));
  app.route(
    '/api',
    queryRoutes({
      store: () => store,
      otherProjects: async () => (await metrics.points()?.projects()) ?? [],
    }),
  );
  app.route(
    '/api',
    scoreRoutes({ store: () => store, audit: audit ? (entry) => audit.append(entry) : null }),
  );
  app.route('/api', agentGraphRoutes({ store: () => store }));
  app.route('/api', analyticsRoutes({ store: () => store }));
  app.route('/api', signinRoutes({ oidc, authEnabled: auth.enabled }));
  app.route(
    '/api',
    anomalyRoutes({
      live: () => (store ? anomalies : null),
      store: () => store,
      monthlyCostBudgetUsd: config.anomaly.monthlyCostBudgetUsd,
      disk,
    }),
  );
  app.route('/api', governanceRoutes({ store: () => violationStore, governance }));
  let alerting: AlertEngine | null = null;
  app.route(
    '/api',
    alertingRoutes(() => alerting),
  );
  app.route('/api', exportersRoutes(exporters));
  let backupSources: BackupSources | null = null;
  app.route(
    '/api',
    backupRoutes(() => backupSources),
  );
  app.route('/', metrics.routes);
  if (config.server.uiDir) registerStaticUi(app, config.server.uiDir);

  // The store opens before we listen, so an exporter never meets a half-started server; the routes
  // still answer 503 + Retry-After (and /readyz 503) whenever `store` is not set.
  // The DuckDB file always opens: it holds this node's own tables (ingested metric points, policy
  // violations, anomaly events) and, with store.engine duckdb, the spans and logs too.
  const local = await openDuckDbStore({
    path: join(dataDir, DATABASE_FILE),
    memoryLimit: config.store.duckdb.memoryLimit ?? undefined,
    queryTimeoutMs: config.store.queryTimeoutMs,
    spanScanBudget: config.store.duckdb.spanScanBudget,
    partScanBudget: config.store.duckdb.partScanBudget,
  });
  const opened =
    config.store.engine === 'clickhouse'
      ? await openClickHouseStore(
          clickHouseOptions(config.store.clickhouse, {
            queryTimeoutMs: config.store.queryTimeoutMs,
            ttlDays: config.retention.maxAgeDays > 0 ? config.retention.maxAgeDays : null,
          }),
        ).catch(async (err: unknown) => {
          await local.close();
          throw err;
        })
      : local;
  await metrics.open({
    store: opened,
    // with ClickHouse, ingested metric points are shared by every node like spans (a query node
    // answers /api/metrics/* with what any ingest node received)
    points:
      opened instanceof ClickHouseStore
        ? new ClickHouseMetricPoints(opened.shared().client, opened.shared().target)
        : undefined,
    connection: await local.connect(),
    readConnections: [await local.connect(), await local.connect()],
    queryTimeoutMs: config.store.queryTimeoutMs,
  });
  const storeWriter = {
    append: metrics.timed((batch: IngestBatch, appendOptions?: AppendOptions) =>
      opened.append(batch, appendOptions),
    ),
  };
  pipeline.useStore(options.storeFaultFile ? faultyStore(storeWriter, options.storeFaultFile) : storeWriter);
  // Remembers, across restarts, spans audited whose store write failed: a retry audits them once.
  const auditSink = audit
    ? await openAuditSink(audit, {
        dir: join(dataDir, 'audit'),
        watermarkPath: join(dataDir, AUDIT_WATERMARK_FILE),
        storedOf: async (ids) => {
          const byProject = new Map<string, Set<string>>();
          for (const i of ids) {
            const traces = byProject.get(i.project) ?? new Set<string>();
            traces.add(i.traceId);
            byProject.set(i.project, traces);
          }
          const keys = new Set<string>();
          for (const [project, traces] of byProject) {
            const stored = await opened.spanIdsOf(project, [...traces]);
            for (const [traceId, spanIds] of stored)
              for (const id of spanIds) keys.add(spanKey(project, traceId, id));
          }
          return keys;
        },
      })
    : null;
  if (auditSink) pipeline.addSink(auditSink);
  // scores carried by spans and log events, written before the batch is acknowledged (scores/)
  pipeline.addSink(new ScoreSink(() => opened));
  // An engine shared by several nodes (ClickHouse) keeps the violations too: a query node lists what
  // any ingest node found. DuckDB keeps them in this node's file.
  const shared: Store = opened;
  const violationTable = shared.violations
    ? await shared.violations()
    : await ViolationStore.open(
        await local.connect(),
        new ConnectionPool([await local.connect()], { timeoutMs: config.store.queryTimeoutMs }),
      );
  violationStore = violationTable;
  governance.useStore(violationTable);
  pipeline.addSink(governance.sink);
  for (const sink of options.sinks ?? []) pipeline.addSink(sink);
  pipeline.addSink(metrics.receivedSink);
  if (anomalies) {
    await anomalies.open(await local.connect(), [await local.connect()], config.store.queryTimeoutMs);
    pipeline.addSink(anomalies.sink);
  }
  if (metrics.sink) pipeline.addSink(metrics.sink);
  const { enabled: watchMemory, ...memoryWatchOptions } = config.metrics.memoryWatch;
  // DuckDB's memory (at most its memory_limit) is taken off the RSS the leak check fits (memory-watch.ts);
  // read off the request path, twice per sample, through the store's own deadline-bound reads.
  let storeMemory = 0;
  const memoryWatch = watchMemory
    ? new MemoryWatch(
        memoryWatchOptions,
        metrics.self.registry,
        logger,
        undefined,
        undefined,
        () => storeMemory,
      )
    : null;
  const storeMemoryTimer = memoryWatch
    ? setInterval(
        () =>
          void store?.stats().then(
            (s) => {
              storeMemory = s.memory?.bytes ?? 0;
            },
            () => undefined,
          ),
        (memoryWatchOptions.intervalSeconds * 1000) / 2,
      )
    : null;
  storeMemoryTimer?.unref();
  memoryWatch?.start();
  // last: after the store commit, the spans newly stored, already redacted; enqueue only (no I/O here)
  if (exporters.size > 0) pipeline.addSink(exporters.sink);
  const archiver = audit ? startAuditArchive(config.audit, join(dataDir, 'audit'), logger) : null;
  if (audit) {
    const auditDir = join(dataDir, 'audit');
    metrics.self.addCollector(() => {
      metrics.self.auditLogEntries.set(audit.size);
      metrics.self.auditLastCheckpoint.set((audit.latestCheckpoint()?.timestamp ?? 0) / 1000);
      metrics.self.auditLogSizeBytes.set(directoryBytes(auditDir));
    });
  }
  metrics.watch({
    inFlight: () => admission.inFlight,
    capacity: config.limits.maxInFlightRequests,
    store: () => store,
  });
  // Replays what waits in the spool, once every sink is in place (replayed spans are counted then).
  const replayer = spool
    ? new Replayer({
        spool,
        store: (batch) => pipeline.replay(batch),
        retryMs: config.spool.replayRetryMs,
        onError: (err) => logger.warn({ err, waiting: spool.depth }, 'spool replay failed; retrying'),
        onDiscard: (err) => logger.error({ err }, 'set aside an unreadable spooled batch'),
        onDrained: (replayed) => logger.info({ replayed }, 'the spool has drained into the store'),
      })
    : null;
  if (spool && replayer) registerSpoolMetrics(metrics.self.registry, spool, replayer);
  // This node's signed checkpoints go to the shared store too: a rollback of this node's disk is then
  // detectable from elsewhere (docs/scale-out.md, "Audit with several nodes").
  const publisher =
    audit && opened.sharedCheckpoints
      ? new CheckpointPublisher({
          node: nodeName,
          latest: () => audit.latestCheckpoint(),
          shared: () => opened.sharedCheckpoints!(),
          onError: (err) => logger.warn({ err }, 'could not publish the audit checkpoint to the store'),
        })
      : null;
  publisher?.start();
  store = opened;
  backupSources = {
    dataDir,
    store: local,
    audit,
    keysFile: keysFilePath(dataDir, config.auth.keysFile),
  };
  replayer?.start();
  disk.start();
  await exporters.start();

  const stopRetention = !role.query
    ? () => {}
    : scheduleRetention(opened, {
        maxAgeDays: config.retention.maxAgeDays,
        intervalMinutes: config.retention.intervalMinutes,
        onSweep: (r) => {
          logger.info(r, 'retention sweep');
          // Ingested OTLP metric points follow the same retention as spans and logs.
          metrics
            .deleteOlderThan(retentionCutoff(Date.now(), config.retention.maxAgeDays))
            .catch((err: unknown) => logger.error({ err }, 'metric points retention failed'));
          anomalies
            ?.deleteOlderThan(Number(retentionCutoff(Date.now(), config.retention.maxAgeDays) / 1_000_000n))
            .catch((err: unknown) => logger.error({ err }, 'anomaly events retention failed'));
          violationStore
            ?.deleteOlderThan(retentionCutoff(Date.now(), config.retention.maxAgeDays))
            .catch((err: unknown) => logger.error({ err }, 'violations retention failed'));
        },
        onError: (err) => logger.error({ err }, 'retention sweep failed'),
      });

  let baseUrl = '';
  // Rules on ingested metrics ask the metrics query route in-process, acting in the rule's project
  // (the request never crosses the network or the auth middleware: it is Witness asking itself).
  // createApp: its errors answer in the one JSON shape with their status (a never-received metric is a
  // 404 a metric_ratio SLI counts as 0), not Hono's bare "Internal Server Error"
  const internalMetrics = createApp({ onError: (err) => logger.error({ err }, 'metrics query failed') });
  internalMetrics.use('*', async (c, next) => {
    c.set('principal', {
      kind: 'anonymous',
      subject: 'alerting',
      project: c.req.header('x-witness-project') ?? 'default',
      projects: '*',
      grants: new Set(['read']),
    });
    await next();
  });
  internalMetrics.route('/', metrics.routes);
  // One evaluator across the nodes sharing the store: the holder of the `alert-evaluator` lease, renewed
  // every evaluation interval (owner = node name, so a restarted node takes its own lease back at once).
  const elector = opened.leases
    ? new LeaseElector({
        leases: () => opened.leases!(),
        name: 'alert-evaluator',
        owner: nodeName,
        ttlMs: 3 * config.alerts.evaluationInterval,
        onChange: (leader) =>
          logger.info(
            { node: nodeName, leader },
            leader ? 'this node evaluates the alert rules' : 'another node evaluates the alert rules',
          ),
        onError: (err) => logger.warn({ err }, 'could not take or renew the alert evaluator lease'),
      })
    : null;
  alerting = new AlertEngine({
    leader: elector ? () => elector.isLeader() : undefined,
    slos: config.slos,
    // budgets (analytics) are threshold rules on cost, evaluated with the configured rules
    alerts: withBudgetRules(config.alerts, config.budgets),
    store: () => store,
    // threshold rules on ingested metrics mean exactly what GET /api/metrics/query answers
    metricQuery: async (params, project) => {
      const res = await internalMetrics.request(`/api/metrics/query?${new URLSearchParams(params)}`, {
        headers: { 'x-witness-project': project },
      });
      const body = (await res.json()) as { series?: never[]; error?: { message: string } };
      // the status goes with the error: a metric_ratio SLI counts a never-received metric (404) as 0
      if (res.status !== 200)
        throw Object.assign(new Error(body.error?.message ?? `metrics query answered ${res.status}`), {
          status: res.status,
        });
      return body as unknown as { series: [] };
    },
    // anomaly rules read the live detectors' events (their pool reads under store.queryTimeoutMs)
    anomalies: () => (anomalies ? (project, q) => anomalies.active(project, q) : null),
    dataDir,
    baseUrl: () => baseUrl,
    logger,
    audit: audit ? (entry) => audit.append(entry) : null,
    env: options.env,
  });

  let grpc: GrpcReceiver | null = null;
  if (grpcApp) {
    grpc = await startGrpcReceiver({
      host: config.server.grpc.host ?? config.server.host,
      port: config.server.grpc.port,
      serve: (request, remoteAddress) => grpcApp.fetch(request, { remoteAddress }),
      // grpc-js bounds a message once, before and after gunzip: the OTLP/HTTP wire bound
      maxMessageBytes: config.limits.maxRequestBytes,
      tls,
      ready: () => store !== null,
      onAnswer: grpcRequestsCounter(metrics.self.registry),
      onError: (err) => logger.error({ err }, 'OTLP/gRPC call failed'),
    });
    logger.info({ address: grpc.address, tls: grpc.tls }, 'OTLP/gRPC listening');
  }
  const server = listen(app.fetch, config.server, tls);
  await new Promise<void>((ok, fail) => {
    server.once('listening', ok);
    server.once('error', fail);
  });
  const address = server.address() as AddressInfo;
  const host = config.server.host;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const reloader =
    tls && tlsPaths
      ? new TlsReloader(server as HttpsServer, tlsPaths, tls.info, (m) => grpc?.reloadTls(m))
      : null;
  const tlsMetrics = reloader ? registerTlsMetrics(metrics.self.registry, () => reloader.current) : null;
  baseUrl = url;
  policyAlerts.engine = alerting;
  if (role.query) alerting.start();

  let closing: Promise<void> | null = null;
  return {
    url,
    port: address.port,
    host,
    store: opened,
    pipeline,
    audit,
    auth,
    anomalies,
    spool,
    app,
    grpc: grpc ? { port: grpc.port, address: grpc.address, tls: grpc.tls } : null,
    tlsCertificate: () => reloader?.current ?? null,
    governance,
    async reloadPolicies(policies) {
      const before = governance.policies.map((p) => p.name);
      governance.reload(policies);
      logger.info({ policies: policies.length }, 'reloaded the governance policies');
      await audit?.append({
        type: 'config.change',
        actor: 'witness',
        subject: 'governance.policies',
        details: { before, after: policies.map((p) => p.name), policies: policies.map((p) => ({ ...p })) },
      });
    },
    reloadTls() {
      if (!reloader) return null;
      const result = reloader.reload();
      tlsMetrics?.reloaded(result.ok);
      if (result.ok) logCertificate(logger, result.info, 'reloaded the TLS certificate', result.previous);
      else
        logger.error(
          { err: result.error, serving: result.current.fingerprint256 },
          'TLS certificate reload failed; still serving the previous certificate',
        );
      return result;
    },
    alerting,
    exporters,
    reloadAlerting(next) {
      alerting?.reload(next.slos, withBudgetRules(next.alerts, next.budgets));
    },
    close() {
      closing ??= (async () => {
        stopRetention();
        disk.stop();
        memoryWatch?.stop();
        if (storeMemoryTimer) clearInterval(storeMemoryTimer);
        await alerting?.stop();
        await elector?.release();
        auth.close();
        oidc?.close();
        const stopped = new Promise<void>((done) => server.close(() => done()));
        const grpcStopped = grpc?.close();
        // server.close() drops only the connections idle at that instant: a client sending on a
        // keep-alive connection every few ms would hold it open for good, so close each as it idles.
        const sweeper = setInterval(() => (server as HttpServer).closeIdleConnections(), 50);
        void stopped.then(() => clearInterval(sweeper));
        // Requests waiting on a long read would hold server.close open until it ends: stop the reads
        // (their requests answer 503), so shutdown takes milliseconds, not the query's minutes.
        opened.interruptReads();
        metrics.interruptReads();
        anomalies?.interruptReads();
        await stopped;
        await grpcStopped;
        // after the last request: what ingest staged is written to the queues, which stay on disk
        await exporters.close();
        await anomalies?.close();
        // after the last request: nothing more is spooled; what waits stays on disk for the next start
        await replayer?.stop();
        await spool?.close();
        await publisher?.stop();
        await opened.close();
        if (local !== opened) await local.close();
        auditSink?.close();
        await auth.auditSettled();
        // Last: requests in flight may still append; close signs the final checkpoint.
        await audit?.close();
        await archiver?.close();
        logger.flush();
      })();
      return closing;
    },
  };
}
