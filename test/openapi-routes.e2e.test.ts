/**
 * The API contract against a real started server (in-process, real DuckDB file, real audit log):
 * - every route registered on the server's Hono app is in /api/openapi.json, and every documented
 *   route is registered (walking `app.routes`);
 * - every documented route, called once with good input, answers a documented status, and its JSON body
 *   matches both the zod schema in @witness/protocol and the JSON Schema published in the document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ROUTES, type ApiRoute } from '@witness/protocol';
import {
  createLogger,
  generateKey,
  keysFilePath,
  loadConfig,
  type RunningServer,
  startServer,
  updateKeysFile,
} from '@witness/server';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from './helpers/oidc-provider.js';
import { routeSamples } from './helpers/route-samples.js';
import { REPO_ROOT } from './helpers/witness-process.js';

/** An admin API key (auth is on here): every route is called with it, so each answers its 2xx. */
let ADMIN = '';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
let server: RunningServer;
let dataDir: string;
/** A real OpenID provider, so the sign-in routes answer as documented (login redirects to it). */
let idp: TestProvider;
let doc: {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};

/** One good request per documented route; the test fails when a route has none. */
const SAMPLES = routeSamples({ traceId: TRACE_ID, service: 'contract-svc' });

/**
 * A schema of the document, compiled by one Ajv that holds the document's components once: compiling
 * them afresh per call took seconds, and blocking this process blocks the in-process server too.
 */
let ajv: Ajv2020 | null = null;
function compile(schema: object) {
  if (!ajv) {
    ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'witness-openapi', components: closeObjects(doc.components) });
  }
  const relinked = JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', '"witness-openapi#/components/schemas/'),
  ) as object;
  return ajv.compile(closeObjects(relinked));
}

/**
 * The schemas with every object that lists its properties closed (`additionalProperties: false`), so
 * an answer carrying a field the document does not describe fails here: the document must say all.
 */
function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(closeObjects) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeObjects(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out as T;
}
const key = (r: Pick<ApiRoute, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-contract-'));
  idp = await startTestProvider({ accounts: [], witnessOrigins: [] });
  const config = loadConfig({
    flags: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, uiDir: join(REPO_ROOT, 'packages/ui/dist') },
      auth: {
        enabled: true,
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret },
      },
      slos: [{ name: 'contract-slo', sli: { kind: 'error_ratio' }, objective: 0.99 }],
    },
  });
  const made = generateKey({ name: 'contract', project: 'default', scope: 'admin', expiresAt: null });
  updateKeysFile(keysFilePath(dataDir), (c) => {
    c.keys.push(made.record);
  });
  ADMIN = made.key;
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
  doc = (await (
    await fetch(`${server.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } })
  ).json()) as typeof doc;
});

afterAll(async () => {
  await server?.close();
  await idp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('/api/openapi.json covers the server', () => {
  it('documents every route registered on the Hono app, and registers every documented route', () => {
    // Middleware is registered for method ALL; the UI's static files and SPA fallback are GET '*'
    // (any path outside /api, /v1, /metrics, /healthz, /readyz): neither is an API route.
    const registered = new Set(
      server.app.routes
        .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    expect(registered.size).toBeGreaterThan(15);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect(
      [...registered].filter((r) => !documented.has(r)),
      'registered but not in /api/openapi.json',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !registered.has(r)),
      'documented but not registered',
    ).toEqual([]);
  });

  it('is a valid OpenAPI 3.1 document whose schemas compile', async () => {
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String) } });
    // against the OpenAPI 3.1 specification's own JSON Schema, so client generators accept it
    const validator = new Validator();
    const result = await validator.validate(doc as object);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect({ valid: result.valid, version: validator.version }).toEqual({ valid: true, version: '3.1' });
    for (const [id, schema] of Object.entries(doc.components.schemas))
      expect(() => compile(schema), id).not.toThrow();
    // refs resolve: a trace whose span lacks its fields fails the published schema
    const trace = compile({ $ref: '#/components/schemas/Trace' });
    expect(trace({ traceId: 'a', spans: [] })).toBe(true);
    expect(trace({ traceId: 'a', spans: [{ name: 'x' }] })).toBe(false);
    for (const route of API_ROUTES) expect(doc.paths[route.path]?.[route.method], key(route)).toBeDefined();
  });
});

describe('every documented route answers as documented', () => {
  it('has a sample request for every route', () => {
    expect(API_ROUTES.map(key).filter((k) => !(k in SAMPLES))).toEqual([]);
  });

  // Ingest first, so the reads and proofs have something to show.
  const order = [...API_ROUTES].sort(
    (a, b) => Number(b.path.startsWith('/v1')) - Number(a.path.startsWith('/v1')),
  );
  for (const route of order) {
    it(key(route), async () => {
      const sample = SAMPLES[key(route)];
      expect(sample, 'no sample request').toBeDefined();
      if (!sample) return;
      if (route.path === '/api/audit/checkpoints/latest' || route.path === '/api/audit/proofs/consistency')
        await server.audit?.checkpoint();
      const headers: Record<string, string> = {};
      if (sample.body !== undefined) headers['content-type'] = 'application/json';
      headers.authorization = `Bearer ${ADMIN}`;
      const res = await fetch(`${server.url}${sample.url}`, {
        method: route.method.toUpperCase(),
        headers,
        redirect: 'manual',
        body: sample.body === undefined ? undefined : JSON.stringify(sample.body),
      }).catch((err: Error) => {
        throw new Error(`${key(route)}: ${err.message} (${String(err.cause)})`);
      });
      const text = await res.text();
      const answer = route.responses[res.status];
      expect(answer, `${res.status} is not documented: ${text.slice(0, 300)}`).toBeDefined();
      if (sample.status !== undefined) expect(res.status, text.slice(0, 300)).toBe(sample.status);
      else expect(res.status, text.slice(0, 300)).toBeLessThan(300);
      if (!answer?.schema) return;
      const body = JSON.parse(text) as unknown;
      const parsed = answer.schema.safeParse(body);
      expect(parsed.success, `zod: ${parsed.error?.message}`).toBe(true);

      const published =
        doc.paths[route.path]?.[route.method]?.responses[res.status]?.content?.['application/json']?.schema;
      expect(published).toBeDefined();
      const validate = compile(published as object);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    });
  }
});
