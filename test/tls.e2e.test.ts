/**
 * HTTPS end to end on the real `witness serve` (a child process, as users run it): the official
 * OTLP/HTTP exporter exports over TLS trusting a generated certificate the standard way
 * (OTEL_EXPORTER_OTLP_CERTIFICATE); the certificate is swapped on disk and SIGHUP makes new connections
 * see it with no restart; a bad new certificate keeps the old one; HSTS and the Host check are on the
 * HTTPS answers; the data the server wrote is readable by its own user only; bad PEM files stop the
 * start with a message naming the key.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Page, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from './helpers/certificates.js';
import { healthcheckCommand } from './helpers/deploy-lint.js';
import { REPO_ROOT, startWitness, type WitnessProcess } from './helpers/witness-process.js';
import { until } from './helpers/until.js';

let scratch: string;
let a: TestCertificate;
let b: TestCertificate;
let w: WitnessProcess;
let dataDir: string;
const certFile = () => join(scratch, 'witness.crt');
const keyFile = () => join(scratch, 'witness.key');

function writePair(cert: string, key: string) {
  writeFileSync(keyFile(), key, { mode: 0o600 });
  writeFileSync(certFile(), cert);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request on a fresh connection (agent: false), trusting both test certificates. */
function httpsRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: [a.cert, b.cert],
        // SNI and the name checked in the certificate, whatever Host header the test sends
        servername: 'localhost',
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end(options.body);
  });
}

/** The certificate a new TLS connection is handed now (verified against the trusted pair). */
function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [a.cert, b.cert] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** The ExportResultCode of every export the exporter finishes (0 success, 1 failed). */
function recordResults(exporter: OTLPTraceExporter): number[] {
  const results: number[] = [];
  const export_ = exporter.export.bind(exporter);
  exporter.export = (spans, done) =>
    export_(spans, (r) => {
      results.push(r.code);
      done(r);
    });
  return results;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'witness-tls-e2e-'));
  [a, b] = await Promise.all([makeCertificate(), makeCertificate()]);
  writePair(a.cert, a.key);
  // a data dir as an older Witness (or a plain mkdir) left it: world-readable
  dataDir = join(scratch, 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  w = await startWitness({
    dataDir,
    ca: a.cert,
    env: {
      WITNESS_SERVER_TLS_CERT: certFile(),
      WITNESS_SERVER_TLS_KEY: keyFile(),
      WITNESS_SERVER_ALLOWED_HOSTS: 'witness.test',
    },
  });
}, 60_000);

afterAll(async () => {
  await w?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('witness serve with server.tls.cert/key', () => {
  it('listens on https and the official OTLP/HTTP exporter exports to it, trusting the certificate via OTEL_EXPORTER_OTLP_CERTIFICATE', async () => {
    expect(w.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caFile = join(scratch, 'ca.pem');
    writeFileSync(caFile, a.cert);
    // configured the way an app is: by environment, read when the exporter is made
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = w.url;
    process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = caFile;
    let exporter: OTLPTraceExporter;
    try {
      exporter = new OTLPTraceExporter();
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_EXPORTER_OTLP_CERTIFICATE;
    }
    const results = recordResults(exporter);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'tls-exporter' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    provider.getTracer('t').startSpan('over-https').end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(results, 'ExportResultCode.SUCCESS').toEqual([0]);

    const page = await until(
      'the exported trace to be listed',
      async () => {
        const res = await httpsRequest(`${w.url}/api/traces?service=tls-exporter`);
        const p = JSON.parse(res.body) as Page<TraceSummaryJson>;
        return p.items.length > 0 ? p : null;
      },
      20_000,
      { ignoreErrors: true },
    );
    expect(page.items[0]!.rootName).toBe('over-https');
  });

  it('refuses a client that does not trust the certificate (TLS is real, not optional)', async () => {
    const exporter = new OTLPTraceExporter({ url: `${w.url}/v1/traces`, timeoutMillis: 5000 });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const results = recordResults(exporter);
    provider.getTracer('t').startSpan('untrusted').end();
    // the processor reports the failed export by rejecting; what the exporter answered is in `results`
    await provider.forceFlush().catch(() => undefined);
    await provider.shutdown().catch(() => undefined);
    expect(results, 'ExportResultCode.FAILED').toEqual([1]);
  });

  it('sends HSTS and the security headers on HTTPS answers', async () => {
    const res = await httpsRequest(`${w.url}/api/traces`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it("passes the image's HEALTHCHECK (it falls back to HTTPS)", () => {
    const [bin, ...args] = healthcheckCommand(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))!;
    const run = spawnSync(bin === 'node' ? process.execPath : bin!, args, {
      env: { PATH: process.env.PATH, WITNESS_PORT: String(w.port) },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.status, run.stderr).toBe(0);
  });

  it('refuses Host: attacker.example (DNS rebinding) and answers the allowed names', async () => {
    const refused = await httpsRequest(`${w.url}/api/traces`, { headers: { host: 'attacker.example' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('server.allowedHosts');
    const ingest = await httpsRequest(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { host: 'attacker.example', 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(ingest.status, 'writes are refused too').toBe(403);
    for (const host of [`localhost:${w.port}`, `127.0.0.1:${w.port}`, `witness.test:${w.port}`])
      expect((await httpsRequest(`${w.url}/api/traces`, { headers: { host } })).status, host).toBe(200);
    // load balancers' health checks send a Host of their own
    expect((await httpsRequest(`${w.url}/readyz`, { headers: { host: 'lb.internal' } })).status).toBe(200);
  });

  it('on SIGHUP serves a swapped certificate to new connections without a restart; a bad new one keeps the old', async () => {
    const pid = w.child.pid;
    expect(await presentedFingerprint(w.port)).toBe(a.fingerprint256);

    writePair(b.cert, b.key);
    w.child.kill('SIGHUP');
    expect(
      await until(
        'the new certificate',
        async () => (await presentedFingerprint(w.port)) === b.fingerprint256,
        20_000,
        { ignoreErrors: true },
      ),
    ).toBe(true);
    // the log line may trail the swap a little (the logger writes asynchronously)
    await until(
      'the reload to be logged',
      async () => w.stderr().includes('reloaded the TLS certificate'),
      20_000,
    );
    expect(w.stderr()).toContain(b.fingerprint256);

    // a half-finished rotation: the certificate is not PEM
    writeFileSync(certFile(), 'not a certificate');
    w.child.kill('SIGHUP');
    await until(
      'the reload failure to be logged',
      async () => w.stderr().includes('TLS certificate reload failed'),
      20_000,
    );
    expect(w.stderr()).toMatch(/server\.tls\.cert: .*witness\.crt holds no PEM block/);
    expect(await presentedFingerprint(w.port), 'still the previous certificate').toBe(b.fingerprint256);

    // what an SRE alerts on: the served certificate's expiry, and the reload outcomes
    const metrics = (await httpsRequest(`${w.url}/metrics`)).body;
    expect(metrics).toContain(
      `witness_tls_certificate_expiry_timestamp_seconds ${b.validTo.getTime() / 1000}`,
    );
    expect(metrics).toContain('witness_tls_reloads_total{outcome="success"} 1');
    expect(metrics).toContain('witness_tls_reloads_total{outcome="failure"} 1');

    // the same process served all of it, and still serves
    expect(w.child.pid).toBe(pid);
    expect(w.child.exitCode).toBeNull();
    expect((await httpsRequest(`${w.url}/readyz`)).status).toBe(200);
  });

  it('keeps the data dir and every file it wrote private to its own user (0700 / 0600)', async () => {
    const modes: Record<string, number> = {};
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        modes[p.slice(dataDir.length + 1)] = statSync(p).mode & 0o777;
        if (e.isDirectory()) walk(p);
      }
    };
    walk(dataDir);
    expect(statSync(dataDir).mode & 0o777, 'the data dir created 0755 was tightened').toBe(0o700);
    // what a serve that ingested and signed has written: the database, the audit log, its keys
    const names = Object.keys(modes);
    expect(names).toContain('witness.duckdb');
    expect(names.some((n) => n.startsWith('audit/'))).toBe(true);
    expect(names.some((n) => n.startsWith('keys/') && n.endsWith('.key'))).toBe(true);
    for (const [name, mode] of Object.entries(modes)) {
      const isDir = statSync(join(dataDir, name)).isDirectory();
      expect(mode.toString(8), name).toBe(isDir ? '700' : '600');
    }
  });
});

describe('witness serve with bad PEM files', () => {
  it('refuses to start with a key of another certificate, naming both keys and files', async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    const cert = join(dir, 'a.crt');
    const key = join(dir, 'b.key');
    writeFileSync(cert, a.cert);
    writeFileSync(key, b.key);
    const started = startWitness({ env: { WITNESS_SERVER_TLS_CERT: cert, WITNESS_SERVER_TLS_KEY: key } });
    await expect(started).rejects.toThrow(/exited with code 1/);
    await expect(started).rejects.toThrow(
      new RegExp(
        `witness: server\\.tls\\.key: ${key} does not belong to the certificate in server\\.tls\\.cert ${cert}`,
      ),
    );
  });

  it('refuses to start with an unreadable certificate file, or with only one of the two set', async () => {
    const missing = join(scratch, 'missing.crt');
    await expect(
      startWitness({ env: { WITNESS_SERVER_TLS_CERT: missing, WITNESS_SERVER_TLS_KEY: keyFile() } }),
    ).rejects.toThrow(new RegExp(`server\\.tls\\.cert: cannot read ${missing} \\(ENOENT`));
    await expect(startWitness({ env: { WITNESS_SERVER_TLS_CERT: certFile() } })).rejects.toThrow(
      /server\.tls\.cert and server\.tls\.key go together/,
    );
  });
});
