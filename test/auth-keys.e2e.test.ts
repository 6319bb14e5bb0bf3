/**
 * API keys end to end, as users meet them: keys made by the real `witness keys` CLI, a real
 * `witness serve` with auth on, and the official OpenTelemetry exporters in their own process
 * configured only by OTEL_EXPORTER_OTLP_HEADERS. Also: revocation reaches a running server within a
 * second and is audited, the failed-attempt bound, and the scrape token on /metrics.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, REPO_ROOT, startWitness, type WitnessProcess } from './helpers/witness-process.js';

const SCRAPE_TOKEN = 'scrape-token-for-the-auth-e2e-test-0123456789';
let w: WitnessProcess;

/**
 * `witness keys …`, asynchronously: a blocking execFileSync would stall this process's event loop
 * past the server's keep-alive timeout, and fetch would then reuse a socket the server had closed.
 */
async function keysCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI_MAIN, 'keys', ...args, '--data-dir', w.dataDir],
    {
      encoding: 'utf8',
    },
  );
  return stdout;
}
/** `witness keys create`: the key is the last line of stdout. */
const createKey = async (project: string, scope: string, ...more: string[]) =>
  (await keysCli(['create', '--project', project, '--scope', scope, ...more])).trimEnd().split('\n').pop()!;

interface ExportResult {
  code: number;
  error: string | null;
  traceId: string;
  ms: number;
}

function exportSpan(
  transport: 'proto' | 'http-json',
  service: string,
  key: string | null,
): Promise<ExportResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: w.url };
  if (key) env.OTEL_EXPORTER_OTLP_HEADERS = `authorization=Bearer%20${key}`;
  if (transport === 'http-json') env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'test/helpers/export-span-child.mjs'), transport, service],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the exporter did not finish within 20 s (retrying forever?); stderr: ${err}`));
    }, 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ExportResult);
      } catch {
        reject(new Error(`no result from the exporter; stdout: ${out} stderr: ${err}`));
      }
    });
  });
}

async function authCount(labels: string): Promise<number> {
  const text = await (
    await fetch(`${w.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`witness_auth_requests_total{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  w = await startWitness({
    env: {
      WITNESS_AUTH_ENABLED: 'true',
      WITNESS_AUTH_SCRAPE_TOKEN: SCRAPE_TOKEN,
      // counters are read before and after one request: no cached exposition
      WITNESS_METRICS_SCRAPE_CACHE_MS: '0',
      // the bound is exercised last; big enough that the 401s of earlier tests (keys polled before
      // the server has seen them) do not reach it
      WITNESS_AUTH_RATE_LIMIT_FAILED_ATTEMPTS_BURST: '30',
      WITNESS_AUTH_RATE_LIMIT_FAILED_ATTEMPTS_PER_MINUTE: '1',
    },
  });
}, 60_000);
afterAll(async () => {
  await w?.stop();
});

describe('API keys with the official OTLP exporters', () => {
  let ingest = '';
  let read = '';
  beforeAll(async () => {
    ingest = await createKey('team-a', 'ingest', '--name', 'exporter', '--expires', '90d');
    read = await createKey('team-a', 'read');
  });

  it('the CLI prints the key once as the last line and stores only a hash, in a 0600 file', async () => {
    expect(ingest).toMatch(/^wk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const file = join(w.dataDir, 'api-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const list = await keysCli(['list']);
    expect(list).toContain('exporter');
    expect(list).not.toContain(ingest.split('_')[2]);
  });

  for (const transport of ['proto', 'http-json'] as const) {
    it(`${transport}: exports with OTEL_EXPORTER_OTLP_HEADERS carrying an ingest key; the span lands in the key's project`, async () => {
      const service = `auth-e2e-${transport}`;
      const result = await exportSpan(transport, service, ingest);
      expect(result, JSON.stringify(result)).toMatchObject({ code: 0, error: null });
      const res = await fetch(`${w.url}/api/traces/${result.traceId}`, {
        headers: { authorization: `Bearer ${read}` },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(service);
    });

    it(`${transport}: the same export without the header gets 401 once, and the exporter gives up at once`, async () => {
      const before = await authCount('method="none",outcome="unauthenticated",reason="missing"');
      const result = await exportSpan(transport, `auth-e2e-${transport}-nokey`, null);
      expect(result.code).toBe(1);
      expect(result.error).toMatch(/401|Unauthorized/i);
      expect(result.ms).toBeLessThan(5000);
      // exactly one request reached the server: no retry of a 401
      expect((await authCount('method="none",outcome="unauthenticated",reason="missing"')) - before).toBe(1);
    });
  }
});

describe('key lifecycle on a running server', () => {
  it('a revoked key is refused within a second, and creation and revocation are in the audit log', async () => {
    const admin = await createKey('ops', 'admin', '--name', 'rotating');
    const id = admin.split('_')[1]!;
    const headers = { authorization: `Bearer ${admin}` };
    // created while the server runs: usable within about a second
    await new Promise((r) => setTimeout(r, 1000));
    const deadline = Date.now() + 3000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${w.url}/api/traces`, { headers })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect(await keysCli(['revoke', id])).toContain(`Revoked key ${id}`);
    const revokedAt = Date.now();
    let refused = 0;
    while (Date.now() - revokedAt < 3000) {
      refused = (await fetch(`${w.url}/api/traces`, { headers: { 'x-witness-key': admin } })).status;
      if (refused === 401) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(refused).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await keysCli(['list', '--json'])).toContain('"status": "revoked"');

    const other = await createKey('ops', 'admin');
    const auditHeaders = { authorization: `Bearer ${other}` };
    await new Promise((r) => setTimeout(r, 1000));
    let types: string[] = [];
    for (let i = 0; i < 40 && !(types.includes('key.created') && types.includes('key.revoked')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const res = await fetch(`${w.url}/api/audit?limit=100`, { headers: auditHeaders });
      if (res.status !== 200) continue; // the new key is not loaded yet
      const page = (await res.json()) as { entries: Array<{ type: string; subject: string }> };
      types = page.entries.filter((e) => e.subject === id).map((e) => e.type);
    }
    expect(types.sort()).toEqual(['key.created', 'key.revoked']);
  });

  it('a read key may not ingest (403), an ingest key may not read (403); the CLI refuses bad flags', async () => {
    const read = await createKey('team-b', 'read');
    const ingest = await createKey('team-b', 'ingest');
    await new Promise((r) => setTimeout(r, 1000)); // the server polls the keys file
    const post = await fetch(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${read}`, 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(post.status).toBe(403);
    expect(
      (await fetch(`${w.url}/api/traces`, { headers: { authorization: `Bearer ${ingest}` } })).status,
    ).toBe(403);
    await expect(createKey('team-b', 'read', '--expires', 'soon')).rejects.toThrow(/--expires/);
    await expect(createKey('Team B', 'read')).rejects.toThrow(/--project/);
    await expect(createKey('team-b', 'root')).rejects.toThrow(/--scope/);
  });

  it('/metrics takes the scrape token or a read key, not an ingest key or nothing', async () => {
    const ingest = await createKey('team-c', 'ingest');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await fetch(`${w.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${w.url}/metrics`, { headers: { authorization: `Bearer ${ingest}` } })).status).toBe(
      403,
    );
    const ok = await fetch(`${w.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(
      'witness_auth_requests_total{method="key",outcome="forbidden",reason="forbidden"}',
    );
    // the scrape token is for /metrics only
    expect(
      (await fetch(`${w.url}/api/traces`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).status,
    ).toBe(403);
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
  });

  // last: it locks this test's address out
  it('bounds failed attempts per address: past the budget even a good key gets 429 with Retry-After', async () => {
    const good = await createKey('team-d', 'read');
    await new Promise((r) => setTimeout(r, 1000));
    const codes: number[] = [];
    for (let i = 0; i < 40; i++)
      codes.push(
        (
          await fetch(`${w.url}/api/traces`, {
            headers: { authorization: `Bearer wk_${'0'.repeat(16)}_${'y'.repeat(43)}` },
          })
        ).status,
      );
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(30);
    expect(codes.at(-1)).toBe(429);
    const locked = await fetch(`${w.url}/api/traces`, { headers: { authorization: `Bearer ${good}` } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(w.stderr()).not.toContain(good);
  });
});
