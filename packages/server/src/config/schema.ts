import {
  alertRuleSchema,
  durationSchema,
  receiverSchema,
  routeSchema,
  sloSpecSchema,
  budgetSchema,
} from '@witness/protocol';
import { z } from 'zod';
import { exportersSection } from './exporters-schema.js';

const MiB = 1024 * 1024;

/*
 * One zod schema per module section. Every object is strict: an unknown key fails at start, naming
 * the key, rather than being silently ignored (a typo in a limit must not leave the default in force).
 * To add a module's section: define it here and add one line to `configSchema` below; its env vars
 * (WITNESS_<SECTION>_<KEY>) follow automatically.
 */

export const serverSection = z.strictObject({
  /** What this node runs: `all` (one process), `ingest` (OTLP in, writes) or `query` (API, UI, alerting); see docs/scale-out.md. */
  target: z
    .enum(['all', 'ingest', 'query'])
    .default('all')
    .describe(
      'What this node runs: all (one process), ingest (OTLP → store) or query (API, UI, alerting). See docs/scale-out.md.',
    ),
  /** This node's name: the `node` label of derived metrics and the owner of leases; unique per node. Default: the host name. */
  nodeName: z
    .string()
    .min(1)
    .max(128)
    .nullable()
    .default(null)
    .describe(
      'Node name (derived metrics `node` label with several nodes, lease owner, audit checkpoints); default the host name. Unique per node.',
    ),
  /** Interface to listen on; 127.0.0.1 so a fresh install is not reachable from the network. */
  host: z.string().min(1).default('127.0.0.1'),
  /** OTLP/HTTP and the API share one port; 4318 is the OTLP/HTTP default, so exporters work unchanged. */
  port: z.number().int().min(0).max(65535).default(4318),
  /** Directory of the built UI (packages/ui/dist); served at `/` when set. */
  uiDir: z.string().min(1).nullable().default(null),
  /** Open connections at most; past it new ones are closed at once (bounds sockets and their buffers). */
  maxConnections: z.number().int().positive().default(1024),
  /** A client must send its request headers within this time, or it gets 408 and is cut (slowloris). */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** A client must send its whole request (headers and body) within this time, or it gets 408 and is cut. */
  requestTimeoutMs: z.number().int().positive().default(60_000),
  /** An idle keep-alive connection is closed after this long (exporters reconnect transparently). */
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  /** A connection on which no byte moves either way for this long is closed. */
  idleTimeoutMs: z.number().int().positive().default(30_000),
  /** After refusing a body (413/429), read and drop at most this many more bytes so the client reads the answer. */
  lingerMaxBytes: z
    .number()
    .int()
    .min(0)
    .default(64 * MiB),
  /** …and keep the refused connection open at most this long for it. */
  lingerMs: z.number().int().min(0).default(10_000),
  /** HTTPS: with both files set Witness serves TLS itself; SIGHUP re-reads them (docs/security.md). */
  tls: z
    .strictObject({
      /** PEM certificate chain, leaf first; re-read on SIGHUP, so a renewed certificate needs no restart. */
      cert: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .describe(
          'PEM certificate chain file (leaf first); with server.tls.key Witness serves HTTPS. Re-read on SIGHUP.',
        ),
      /** PEM private key of that certificate (unencrypted); keep it 0600. */
      key: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .describe('PEM private key file of server.tls.cert (unencrypted, mode 0600). Re-read on SIGHUP.'),
      /** `Strict-Transport-Security: max-age` on HTTPS answers, so browsers never fall back to http. */
      hstsMaxAgeSeconds: z
        .number()
        .int()
        .min(0)
        .max(63_072_000)
        .default(31_536_000)
        .describe('HSTS max-age in seconds sent on HTTPS answers (0 sends no HSTS).'),
    })
    .prefault({})
    .refine((t) => (t.cert === null) === (t.key === null), {
      message: 'server.tls.cert and server.tls.key go together: set both (HTTPS) or neither (HTTP)',
    }),
  /** OTLP/gRPC (docs/otlp.md): the official gRPC exporters, on their own port; TLS from server.tls. */
  grpc: z
    .strictObject({
      /** Off by default: a second listening port is opened only when asked for. */
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Serve OTLP/gRPC (traces, logs, metrics) on server.grpc.port; `witness serve --grpc-port` turns it on.',
        ),
      /** 4317 is the OTLP/gRPC default, so gRPC exporters work unchanged. */
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(4317)
        .describe('Port for OTLP/gRPC (0 picks a free one).'),
      /** null = server.host. */
      host: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .describe('Interface for OTLP/gRPC; null listens where server.host does.'),
    })
    .prefault({}),
  /** Host header names answered besides IP addresses, localhost and server.host (DNS-rebinding defence). */
  allowedHosts: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Host names clients reach Witness by, besides IP addresses, localhost and server.host; other Host headers get 403 (DNS-rebinding defence). ".example.com" allows its subdomains, "*" allows any.',
    ),
});

export const limitsSection = z.strictObject({
  /** Largest request body on the wire (compressed, if compressed). */
  maxRequestBytes: z
    .number()
    .int()
    .positive()
    .default(16 * MiB),
  /** Largest body after gunzip: bounds what a gzip bomb can cost. */
  maxDecompressedBytes: z
    .number()
    .int()
    .positive()
    .default(64 * MiB),
  /** Decoded bytes being ingested at once before new requests get 429 + Retry-After. */
  maxInFlightBytes: z
    .number()
    .int()
    .positive()
    .default(256 * MiB),
  /** Requests being ingested at once before new ones get 429 + Retry-After. */
  maxInFlightRequests: z.number().int().positive().default(256),
  /** Expensive reads running at once, so they never hold every store connection the cheap reads need. */
  maxExpensiveQueries: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe(
      'Expensive reads (funnels, usage, session and user lists, agent graphs, score summaries) running at once; the rest wait or get 429, so trace pages keep a store connection.',
    ),
  /** Expensive reads waiting for a slot; past it they get 429 + Retry-After at once. */
  maxExpensiveQueriesWaiting: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(32)
    .describe('Expensive reads that may wait for a slot before more get 429 + Retry-After.'),
  /** How long an expensive read waits for a slot before it gets 429 + Retry-After, ms. */
  expensiveQueryWaitMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(10_000)
    .describe('Longest an expensive read waits for a slot (ms) before it gets 429 + Retry-After.'),
});

export const retentionSection = z.strictObject({
  /** Spans and logs older than this are deleted; 0 keeps everything. */
  maxAgeDays: z.number().min(0).default(30),
  /** How often the retention sweep runs. */
  intervalMinutes: z.number().positive().default(60),
});

export const metricsSection = z.strictObject({
  /** Derive Prometheus metrics from every ingested span (off: /metrics shows only Witness's own health). */
  derived: z.boolean().default(true),
  /** Most series per derived metric; past it label sets fold into an __overflow__ series (bounds memory). */
  seriesLimit: z.number().int().min(10).max(1_000_000).default(2000),
  /** Most bytes of /metrics all derived series together may take; past it new label sets fold into __overflow__ (bounds every scrape). */
  maxExpositionBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * MiB)
    .default(4 * MiB),
  /** Scrapes within this many ms of a render reuse it; concurrent scrapes always share one render. */
  scrapeCacheMs: z.number().int().min(0).max(60_000).default(1000),
  /** Node runtime metrics (event loop lag, GC, heap, CPU) on /metrics. */
  runtime: z.boolean().default(true),
  /** The leak self-check: witness_memory_growth_suspected on /metrics and a warning in the log when resident memory climbs steadily across a window (docs/performance.md). */
  memoryWatch: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How often resident memory is sampled, seconds. */
      intervalSeconds: z.number().int().min(1).max(3600).default(30),
      /** The window a steady climb must span before it is suspected, minutes. */
      windowMinutes: z.number().min(1).max(1440).default(30),
      /** Least fitted growth across the window, MB. */
      minGrowthMb: z.number().min(1).max(1_000_000).default(64),
      /** Least fitted growth as a share of the RSS at the window's start (0.2 = 20%). */
      minGrowthRatio: z.number().min(0).max(100).default(0.2),
    })
    .prefault({}),
});

export const auditSection = z.strictObject({
  /** Record agent actions and people's actions in the tamper-evident log under <data-dir>/audit/. */
  enabled: z.boolean().default(true),
  /** Ed25519 private key (PKCS#8 PEM) signing checkpoints; generated on first start when absent. Default <data-dir>/keys/audit-ed25519.key. */
  keyFile: z.string().min(1).nullable().default(null),
  /** Seal the active segment past this many bytes (sealed segments are never appended to again). */
  segmentMaxBytes: z
    .number()
    .int()
    .min(4096)
    .default(64 * MiB),
  /** Also seal the active segment when the UTC day changes, so retention and archival work by day. */
  rotateDaily: z.boolean().default(true),
  /** gzip sealed segments (about 8x smaller for audit JSON). */
  compress: z.boolean().default(true),
  /** Copy every sealed segment (payload + leaf hashes) to this directory, e.g. a mounted archive volume. */
  archiveDir: z.string().min(1).nullable().default(null),
  /** Payloads of sealed segments older than this are removed (leaf hashes stay, the log still verifies); 0 keeps all. */
  retentionDays: z.number().min(0).default(400),
  /** How often a checkpoint is signed while entries arrive (the issue asks for at least once a second). */
  checkpointIntervalMs: z.number().int().min(50).max(1000).default(1000),
  archive: z
    .strictObject({
      /** S3-compatible object storage that receives every sealed segment, its leaf hashes and the checkpoints (docs/audit.md, Archive); on when bucket is set. */
      s3: z
        .strictObject({
          /** Bucket name; null = no archive. */
          bucket: z.string().min(3).max(63).nullable().default(null),
          /** Key prefix the log is laid out under (log.json, segments/, checkpoints/); one log per prefix. */
          prefix: z.string().default(''),
          /** Unset = the SDK's (AWS_REGION, the shared config file). */
          region: z.string().min(1).nullable().default(null),
          /** For S3-compatible servers (MinIO, Ceph, a local test server); unset = AWS. */
          endpoint: z.string().url().nullable().default(null),
          /** Path-style URLs (endpoint/bucket/key), which most S3-compatible servers need. */
          forcePathStyle: z.boolean().default(false),
          /** File holding the access key id (a mounted secret). Unset = the SDK's chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role. */
          accessKeyIdFile: z.string().min(1).nullable().default(null),
          /** File holding the secret access key; needed with accessKeyIdFile. */
          secretAccessKeyFile: z.string().min(1).nullable().default(null),
          /** File holding a session token (temporary credentials), optional. */
          sessionTokenFile: z.string().min(1).nullable().default(null),
        })
        .prefault({}),
      /** S3 Object Lock on every archived object (the bucket must have Object Lock enabled). */
      objectLock: z
        .strictObject({
          /** null = no lock; COMPLIANCE: nobody can shorten or remove it; GOVERNANCE: principals with s3:BypassGovernanceRetention can. */
          mode: z.enum(['GOVERNANCE', 'COMPLIANCE']).nullable().default(null),
          /** Retain-until = upload time + this many days. */
          retainDays: z.number().int().min(1).max(36_500).default(2555),
        })
        .prefault({}),
      /** How often sealed segments not yet archived are looked for (and a failed upload retried). */
      intervalMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    })
    .prefault({}),
});

const chIdentifier = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const storeSection = z.strictObject({
  /** Deadline of every store read (trace list, trace, logs, series), ms; past it the query is interrupted and answered 503. */
  queryTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  engine: z
    .enum(['duckdb', 'clickhouse'])
    .default('duckdb')
    .describe(
      'Where spans and logs live: duckdb (one file in the data dir, one node) or clickhouse (store.clickhouse.*; several Witness nodes can share it). See docs/storage.md.',
    ),
  clickhouse: z
    .strictObject({
      url: z
        .url()
        .default('http://127.0.0.1:8123')
        .describe("ClickHouse's HTTP(S) endpoint (or a load balancer over a cluster's nodes)."),
      database: z
        .string()
        .regex(chIdentifier, 'letters, digits and _ only')
        .default('witness')
        .describe('Database Witness creates (if absent) and migrates at start.'),
      username: z.string().min(1).default('default').describe('ClickHouse user.'),
      password: z
        .string()
        .nullable()
        .default(null)
        .describe(
          "The user's password: by env (WITNESS_STORE_CLICKHOUSE_PASSWORD) or passwordFile, never in the YAML. Unset = no password.",
        ),
      passwordFile: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .describe(
          'A file holding the password (e.g. a mounted secret); read at start, trailing newline dropped.',
        ),
      cluster: z
        .string()
        .regex(chIdentifier, 'letters, digits and _ only')
        .nullable()
        .default(null)
        .describe(
          'Cluster name (remote_servers): tables become ReplicatedMergeTree + Distributed, DDL runs ON CLUSTER. Unset = one server.',
        ),
    })
    .prefault({})
    .refine((c) => c.password === null || c.passwordFile === null, {
      message: 'give password or passwordFile, not both',
      path: ['passwordFile'],
    }),
  duckdb: z
    .strictObject({
      /** DuckDB memory_limit ('1GB', '512MB'); unset = a quarter of the process's memory, 256 MB..2 GB (DuckDB alone would take 80% of RAM). */
      memoryLimit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "expected a size such as '1GB' or '512MB'")
        .nullable()
        .default(null),
      /** Spans a name/attribute trace search reads per request before answering a short page with a cursor to older traces: bounds the cost of a filter that matches nothing. */
      spanScanBudget: z.number().int().min(1).max(1e9).default(500_000),
      /** Trace parts (one per batch of a trace) a service/kind/agent/model/status/duration search groups per request, likewise. */
      partScanBudget: z.number().int().min(1).max(1e9).default(50_000),
    })
    .prefault({}),
});

/** The ingest node's durable fallback when the store is down or slow (docs/spool.md). */
export const spoolSection = z.strictObject({
  /** Acknowledge batches from a local on-disk spool while the store cannot take them (off: such batches get 503). */
  enabled: z
    .boolean()
    .default(true)
    .describe(
      'Spool batches to local disk while the store is down or slow, and replay them when it is back.',
    ),
  /** Directory of the spool's segment files; default <data-dir>/spool. Local disk: it is fsynced before each acknowledgement. */
  dir: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('Directory of the spool segments (default <data-dir>/spool).'),
  /** Bytes of batches the spool holds at most; past it ingest answers 503 + Retry-After (bounds the disk used during an outage). */
  maxBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(1024 * MiB)
    .describe('Most bytes spooled while the store is down; past it ingest answers 503 + Retry-After.'),
  /** A segment file is closed and a new one started past this size (segments are deleted whole once replayed). */
  segmentBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * MiB)
    .describe('Size past which a new spool segment file is started.'),
  /** A store write taking longer than this is treated as failed and its batch spooled instead. */
  storeTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(10_000)
    .describe('Deadline of a store write before the batch goes to the spool instead.'),
  /** Retry-After (seconds) sent with the 503 when the spool is full. */
  retryAfterSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(5)
    .describe('Retry-After seconds when the spool is full.'),
  /** First wait after a failed replay; it doubles up to 5 s while the store stays down. */
  replayRetryMs: z
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(1000)
    .describe('First wait after a failed replay (doubles up to 5 s).'),
});

const role = z.enum(['viewer', 'editor', 'admin']);
const loopbackHost = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Sign-in for people with an OpenID provider, and bearer JWTs from the same issuer on the API (see
 * docs/security.md, "Sign-in with OIDC"). Off while `issuer` is unset.
 */
export const oidcSection = z
  .strictObject({
    issuer: z
      .url()
      .nullable()
      .default(null)
      .describe(
        "The provider's issuer URL (its /.well-known/openid-configuration is read from there); unset = OIDC off. https, except on a loopback host.",
      ),
    clientId: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('The client id Witness is registered under at the provider.'),
    clientSecret: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'The client secret: give it by env (WITNESS_AUTH_OIDC_CLIENT_SECRET) or clientSecretFile, never in the YAML. Unset with no file = a public client (PKCE only).',
      ),
    clientSecretFile: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'A file holding the client secret (e.g. a mounted Kubernetes secret); read at start, trailing newline dropped.',
      ),
    baseUrl: z
      .url()
      .nullable()
      .default(null)
      .describe(
        "Witness's public URL as browsers reach it (https://witness.example.com); the redirect URI is <baseUrl>/api/auth/callback. Unset = the request's own origin (set it behind a proxy).",
      ),
    scopes: z
      .array(z.string().min(1))
      .default(['openid', 'profile', 'email'])
      .describe(
        'Scopes asked for at sign-in; add the one that makes your provider put roles/groups in the ID token.',
      ),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe('Audiences a bearer JWT on the API may carry (any one suffices); empty = the clientId.'),
    roleClaim: z
      .string()
      .min(1)
      .default('roles')
      .describe(
        'Claim holding the role(s), a dotted path for nested claims (Keycloak: realm_access.roles; Entra: roles; Okta: groups).',
      ),
    roleMapping: z
      .record(z.string(), role)
      .default({})
      .describe(
        'Claim value → role; the highest role any value maps to wins. Empty = the values must be viewer/editor/admin themselves.',
      ),
    defaultRole: role
      .nullable()
      .default(null)
      .describe('Role for people whose claim maps to none; null refuses them (403).'),
    projectsClaim: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Claim holding the projects a person may act in (dotted path); '*' as a value means all. Unset = defaultProjects for everyone.",
      ),
    projectMapping: z
      .record(z.string(), z.array(z.string().min(1)))
      .default({})
      .describe(
        "Claim value → project ids (e.g. a group id → ['payments']); empty = the values are project ids themselves.",
      ),
    defaultProjects: z
      .array(z.string().min(1))
      .default(['default'])
      .describe('Projects of people whose projects claim is unset or maps to none.'),
    clockToleranceSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(30)
      .describe('Seconds of clock difference tolerated on exp/nbf/iat of ID tokens and bearer JWTs.'),
    sessionMaxAgeMinutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .default(480)
      .describe('A session lasts at most this long after sign-in (then the person signs in again).'),
    sessionIdleMinutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .default(60)
      .describe('…and ends after this long without a request.'),
    maxSessions: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe(
        'Sessions kept at most (server-side, in memory); past it the least recently used is signed out.',
      ),
    maxFailedSignInsPer15Min: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(20)
      .describe('Failed sign-ins (callback refused) allowed per client address per 15 minutes; past it 429.'),
    jwksCacheSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(600)
      .describe("How long the provider's signing keys (JWKS) are trusted before re-reading them, seconds."),
    providerSignOut: z
      .boolean()
      .default(true)
      .describe('Sign-out also ends the session at the provider (its end_session_endpoint) when it has one.'),
  })
  .superRefine((o, ctx) => {
    if (o.issuer === null) return;
    if (o.clientId === null)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required when auth.oidc.issuer is set' });
    for (const [key, value] of [
      ['issuer', o.issuer],
      ['baseUrl', o.baseUrl],
    ] as const) {
      if (value === null) continue;
      const u = new URL(value);
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopbackHost(u.hostname)))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'must be https:// (http only on a loopback host)',
        });
    }
    if (o.clientSecret !== null && o.clientSecretFile !== null)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecretFile'],
        message: 'give clientSecret or clientSecretFile, not both',
      });
  });

/** Config keys that hold secrets: refused from the YAML file (env or a *File key only), masked in the audit log. */
export const SECRET_CONFIG_KEYS = ['auth.oidc.clientSecret', 'store.clickhouse.password'] as const;

export const authSection = z.strictObject({
  /** Require a credential on every route but /healthz and /readyz. Unset = on whenever server.host is not a loopback address or auth.oidc.issuer is set (off on 127.0.0.1 otherwise, so the quickstart needs no key). */
  enabled: z.boolean().nullable().default(null),
  /** The API keys file `witness keys` writes (hashes only, 0600). Default <data-dir>/api-keys.json. */
  keysFile: z.string().min(1).nullable().default(null),
  /** Bearer token Prometheus may use for /metrics (every project's series, nothing else). Give it by env (WITNESS_AUTH_SCRAPE_TOKEN) or scrapeTokenFile, never in this file. */
  scrapeToken: z.string().min(16).nullable().default(null),
  /** File holding the scrape token (e.g. a mounted secret); surrounding whitespace is ignored. */
  scrapeTokenFile: z.string().min(1).nullable().default(null),
  /** Addresses of reverse proxies whose X-Forwarded-For is believed for per-address limits; empty = believe nobody (the TCP peer is the client). */
  trustedProxies: z.array(z.string().min(1)).default([]),
  rateLimit: z
    .strictObject({
      /** Requests per second one key (or user) may make, sustained; 0 = no limit. */
      perKeyPerSecond: z.number().min(0).default(1000),
      /** …and in a burst. */
      perKeyBurst: z.number().int().min(1).default(2000),
      /** Requests per second one client address may make before authentication; 0 = no limit. */
      perAddressPerSecond: z.number().min(0).default(1000),
      /** …and in a burst. */
      perAddressBurst: z.number().int().min(1).default(2000),
      /** Failed credential attempts (unknown, revoked, expired, malformed) one address may make per minute, sustained; past the burst it gets 429 until the budget refills. 0 = no bound. */
      failedAttemptsPerMinute: z.number().min(0).default(10),
      /** …and in a burst. */
      failedAttemptsBurst: z.number().int().min(1).default(20),
    })
    .prefault({}),
  oidc: oidcSection
    .prefault({})
    .describe(
      'Sign-in for people with an OpenID provider, and bearer JWTs from it on the API (docs/security.md).',
    ),
});

const redactAction = z
  .enum(['mask', 'hash', 'drop'])
  .describe(
    'mask: the value becomes <LABEL>; hash: <LABEL:hmac> (keyed HMAC, equal values stay joinable); drop: the whole attribute (or text field) is removed',
  );

function detectorSetting(enabled: boolean, what: string) {
  return z
    .strictObject({
      enabled: z.boolean().default(enabled).describe(`Detect ${what}.`),
      action: redactAction.default('mask'),
    })
    .prefault({})
    .describe(what);
}

export const redactionSection = z.strictObject({
  /** Off stores every prompt verbatim, emails, card numbers and keys included: only for data known clean. */
  enabled: z
    .boolean()
    .default(true)
    .describe('Redact PII and secrets in span and log text before it is stored, audited or counted.'),
  detectors: z
    .strictObject({
      email: detectorSetting(true, 'email addresses'),
      phone: detectorSetting(true, 'phone numbers: E.164 (+CC …) and national forms with separators'),
      card: detectorSetting(true, 'payment card numbers (Luhn-checked, issuer prefix, printed grouping)'),
      iban: detectorSetting(true, 'IBANs (mod-97 and country format checked)'),
      ssn: detectorSetting(true, 'US social security numbers (ddd-dd-dddd)'),
      ip: detectorSetting(
        false,
        'IPv4 and IPv6 addresses (off by default: often operational, and versions look like them)',
      ),
      jwt: detectorSetting(true, 'JSON Web Tokens'),
      aws_key: detectorSetting(true, 'AWS access key ids and secret access keys'),
      api_key: detectorSetting(
        true,
        'API keys: sk-… (OpenAI, Anthropic), sk_live_… (Stripe), ghp_… (GitHub), xox…- (Slack)',
      ),
      bearer_token: detectorSetting(true, 'bearer tokens (Authorization: Bearer …)'),
      private_key: detectorSetting(true, 'PEM private key blocks'),
    })
    .prefault({})
    .describe('Built-in detectors: each on/off and its action.'),
  custom: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower_snake_case'),
        pattern: z.string().min(1),
        flags: z
          .string()
          .regex(/^[imsu]*$/)
          .default(''),
        label: z.string().min(1).optional(),
        action: redactAction.default('mask'),
      }),
    )
    .default([])
    .describe(
      'Custom regex detectors {name, pattern, flags, label, action}; patterns with nested quantifiers are refused at start.',
    ),
  attributes: z
    .record(z.string(), z.enum(['scan', 'skip', 'hash', 'drop']))
    .default({})
    .describe(
      'Per attribute key: scan (default for text), skip (store as sent), hash (HMAC the whole value), drop (never store).',
    ),
  identity: z
    .enum(['keep', 'hash'])
    .default('keep')
    .describe(
      'User and session ids (which analytics join on) are never scanned; hash replaces them by their HMAC.',
    ),
  hashKeyFile: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe(
      'File with the HMAC key for hash actions; unset = <data-dir>/keys/redaction-hmac.key, generated (mode 0600) when first needed.',
    ),
  customMaxChars: z
    .number()
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(16_384)
    .describe(
      'Custom detectors scan a value in windows of at most this many characters (bounds a slow pattern).',
    ),
});

export const anomalySection = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe(
      'Watch every service, agent, model and tool for anomalies and agent-behaviour anomalies (docs/anomaly.md).',
    ),
  resolutionSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(60)
    .describe(
      'Bucket width of the live series (call count, error ratio, p95 latency, tokens, cost per bucket), seconds.',
    ),
  maxSeries: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe(
      'Most live series watched at once (each a few detectors of ~2.6 KiB); idle ones are evicted first, beyond it new series are refused and counted.',
    ),
  seriesIdleMinutes: z
    .number()
    .int()
    .min(1)
    .default(1440)
    .describe('A series without spans for this long is forgotten.'),
  scoreThreshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      "Score (0..1) at which a bucket becomes an anomaly event; 0.5 is the detector's alarm level (p ≈ 4.5e-5).",
    ),
  warmupBuckets: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(150)
    .describe(
      'Buckets a new series is watched before it can raise an anomaly (its detectors learn what is normal).',
    ),
  loopThreshold: z
    .number()
    .int()
    .min(2)
    .max(100_000)
    .default(10)
    .describe('Identical tool calls (same tool, same arguments) in one run that make a tool loop.'),
  runRatio: z
    .number()
    .min(1.5)
    .max(1e6)
    .default(10)
    .describe("A run whose cost, tokens or steps reach this many times the agent's median is an anomaly."),
  minHistory: z
    .number()
    .int()
    .min(3)
    .max(10_000)
    .default(20)
    .describe(
      'Finished runs of an agent before its runs are compared with its median and new tools/models are reported.',
    ),
  runIdleSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe('A run (trace) without new spans for this long is finished even if its root span never came.'),
  monthlyCostBudgetUsd: z
    .number()
    .positive()
    .nullable()
    .default(null)
    .describe(
      'Monthly LLM cost budget in USD for GET /api/forecasts/cost ("at this rate the budget is spent on <date>"); a request may name its own with ?budgetUsd=.',
    ),
  diskSampleMinutes: z
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(10)
    .describe(
      "Minutes between samples of the data dir's size for GET /api/forecasts/disk and witness_data_dir_exhaustion_timestamp_seconds (a directory walk; kept hourly for two weeks in disk-history.json); 0 turns it off.",
    ),
  diskLimitBytes: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(null)
    .describe(
      "The most the data dir may use (a volume quota, say); the disk forecast counts the data dir full at the smaller of this and its size plus the filesystem's free space.",
    ),
});

export const policySpec = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'a name of letters, digits, _ . -')
    .max(128),
  description: z.string().default(''),
  expression: z
    .string()
    .min(1)
    .max(4096)
    .describe('CEL over `span` and `trace` (docs/governance.md); must be a bool.'),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('medium'),
  action: z
    .enum(['record', 'alert', 'redact'])
    .default('record')
    .describe(
      "record: a violation; alert: also logged as an alert (until alerting exists); redact: also the span's content is replaced before storage",
    ),
});

export const governanceSection = z.strictObject({
  modes: z
    .array(z.string().min(1).max(64))
    .max(64)
    .default([])
    .describe(
      'The governance modes your agents may run in (e.g. draft, research, grunt, execute; compared lower-cased). A governed span in another mode counts in witness_governance_validation_failures_total{reason="invalid_mode"}. Empty: any mode.',
    ),
  policies: z
    .array(policySpec)
    .max(1000)
    .default([])
    .describe(
      'CEL policies evaluated on every span at ingest (docs/governance.md); re-read from the config file on SIGHUP.',
    ),
  prescriptive: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Detect prescriptive language (directives, urgency, medical/financial/legal advice) in LLM outputs.',
        ),
    })
    .prefault({})
    .describe('Prescriptive-language detection on LLM outputs (span attribute witness.prescriptive.types).'),
  maxTraces: z
    .number()
    .int()
    .min(100)
    .max(10_000_000)
    .default(50_000)
    .describe(
      'Traces whose running totals (cost, tokens, last LLM output) policies can read; least recently active go first.',
    ),
  traceIdleTimeout: durationSchema
    .default(300_000)
    .describe(
      'A trace with no new span for this long has its running totals forgotten (a later span starts them again from zero), so their memory follows current activity.',
    ),
});

export const alertsSection = z.strictObject({
  /** How often SLOs and alert rules are evaluated (the SRE workbook's short windows assume ~1 min or less). */
  evaluationInterval: durationSchema.default(15_000),
  /** Spans starting this recently are re-read every evaluation, so ones that arrive late still count; older ones are counted once. */
  lateSpanGrace: durationSchema.default(120_000),
  /** Resolved alerts stay listed in /api/alerts this long. */
  resolvedRetention: durationSchema.default(900_000),
  /** A governance `alert` policy's alert resolves after its policy/agent saw no violation this long. */
  policyAlertQuietPeriod: durationSchema
    .default(300_000)
    .describe(
      'A firing alert of a governance policy with action alert resolves once no new violation of that policy (and agent) arrived for this long.',
    ),
  /** Base URL of this Witness as people reach it (links in notifications); default the listening URL. */
  externalUrl: z.string().url().nullable().default(null),
  /** Threshold, absence and burn-rate rules (see docs/alerting.md). */
  rules: z.array(alertRuleSchema).max(10_000).default([]),
  /** Where notifications go: webhook, slack, pagerduty, alertmanager. Secrets by env or file only. */
  receivers: z.array(receiverSchema).max(100).default([]),
  /** Grouping and timing of notifications, and which receiver takes which alerts. */
  route: routeSchema.prefault({}),
  /** Per-attempt timeout of a notification, ms. */
  notifyTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Attempts per notification (first try included); backoff doubles from 1 s. */
  notifyAttempts: z.number().int().min(1).max(10).default(4),
  /** Notifications waiting for delivery at most; past it the oldest are dropped (and counted). */
  notifyQueueLimit: z.number().int().min(1).max(100_000).default(1000),
});

export const configSchema = z.strictObject({
  /** Where the database file (and other state) lives. */
  dataDir: z.string().min(1).default('./data'),
  /** Witness's own log lines (JSON on stderr) at this level and above; `silent` turns them off. */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  server: serverSection.prefault({}),
  limits: limitsSection.prefault({}),
  retention: retentionSection.prefault({}),
  metrics: metricsSection.prefault({}),
  audit: auditSection.prefault({}),
  auth: authSection.prefault({}),
  store: storeSection.prefault({}),
  spool: spoolSection.prefault({}),
  redaction: redactionSection.prefault({}),
  anomaly: anomalySection.prefault({}),
  governance: governanceSection.prefault({}),
  /** Service level objectives, evaluated in-process (see docs/slo.md); reloaded on SIGHUP. */
  slos: z.array(sloSpecSchema).max(10_000).default([]),
  alerts: alertsSection.prefault({}),
  exporters: exportersSection,
  /** Spending budgets per user or agent (docs/analytics.md); each is an alert rule on cost. Reloaded on SIGHUP. */
  budgets: z
    .array(budgetSchema)
    .max(1000)
    .default([])
    .describe(
      'Cost budgets per user or agent over a rolling window; an alert fires for each one over its limit.',
    ),
});

export type WitnessConfig = z.infer<typeof configSchema>;
/** What a YAML file, env vars or flags may say: any subset. */
export type ConfigInput = z.input<typeof configSchema>;
