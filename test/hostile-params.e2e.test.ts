/**
 * Issue 9, finding 6: number parameters that overflow (`minDurationMs=1e308`, a 400-digit `from`, a
 * huge `step`) answered 500. Against a real started server: every numeric parameter of every GET route
 * in the API contract, given each hostile value, is a 400 that names the parameter — and the server
 * keeps serving. The numeric parameters are found from the schemas themselves (a field that takes "5"
 * but refuses "abc"), so a new one is covered without editing this test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ROUTES, type ApiRoute } from '@witness/protocol';
import { createLogger, loadConfig, type RunningServer, startServer } from '@witness/server';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOSTILE = [
  '1e308',
  '9'.repeat(400),
  '99999999999999999999',
  '-1',
  '-0.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1e3',
  '1.5.5',
  ' ',
  '',
];
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
/** Values for the other required parameters, so only the one under test is wrong. */
const REQUIRED: Record<string, Record<string, string>> = {
  '/api/metrics/query': { metric: 'rate' },
  '/api/audit/proofs/inclusion': { index: '0' },
  '/api/audit/proofs/consistency': { from: '0' },
};
const PATH_VALUES: Record<string, string> = { traceId: TRACE_ID, index: '0' };

const isNumeric = (field: z.ZodType) => field.safeParse('5').success && !field.safeParse('abc').success;

interface Case {
  route: ApiRoute;
  name: string;
  where: 'query' | 'path';
}
const cases: Case[] = API_ROUTES.filter((r) => r.method === 'get').flatMap((route) =>
  (['query', 'path'] as const).flatMap((where) => {
    const schema = where === 'query' ? route.query : route.pathParams;
    return Object.entries(schema?.shape ?? {})
      .filter(([, field]) => isNumeric(field as z.ZodType))
      .map(([name]) => ({ route, name, where }));
  }),
);

function urlFor(c: Case, value: string): string {
  let path = c.route.path.replace(/\{(\w+)\}/g, (_, p: string) =>
    encodeURIComponent(c.where === 'path' && p === c.name ? value : (PATH_VALUES[p] ?? 'x')),
  );
  const query = new URLSearchParams(REQUIRED[c.route.path] ?? {});
  if (c.where === 'query') query.set(c.name, value);
  const qs = query.toString();
  if (qs) path += `?${qs}`;
  return path;
}

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-hostile-'));
  const config = loadConfig({ flags: { dataDir, server: { host: '127.0.0.1', port: 0 } } });
  server = await startServer({ config, logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('hostile numbers in /api parameters are a 400 naming the parameter', () => {
  it('finds the numeric parameters of every route, including audit and metrics', () => {
    const found = cases.map((c) => `${c.route.path} ${c.name}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '/api/traces minDurationMs',
        '/api/traces maxDurationMs',
        '/api/traces from',
        '/api/traces to',
        '/api/traces limit',
        '/api/logs from',
        '/api/logs limit',
        '/api/logs severity',
        '/api/metrics/query from',
        '/api/metrics/query to',
        '/api/metrics/query step',
        '/api/metrics/query limit',
        '/api/audit from',
        '/api/audit cursor',
        '/api/audit limit',
        '/api/audit/proofs/inclusion index',
        '/api/audit/proofs/inclusion size',
        '/api/audit/proofs/consistency from',
        '/api/audit/proofs/consistency to',
        '/api/audit/entries/{index} index',
      ]),
    );
  });

  for (const c of cases) {
    it(`${c.route.path} ${c.name}`, async () => {
      for (const value of HOSTILE) {
        if (c.where === 'path' && value.trim() === '') continue; // an empty segment is another route
        const url = urlFor(c, value);
        const res = await fetch(`${server.url}${url}`);
        const body = (await res.json()) as { error?: { code: string; message: string } };
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
        expect(body.error?.code).toBe('BAD_REQUEST');
        expect(body.error?.message, url).toContain(`"${c.name}"`);
      }
    });
  }

  it('values out of range but well formed are refused too', async () => {
    for (const [url, name] of [
      ['/api/traces?limit=0', 'limit'],
      ['/api/traces?limit=1001', 'limit'],
      ['/api/traces?minDurationMs=1000000000001', 'minDurationMs'],
      ['/api/traces?from=9223372036855', 'from'],
      ['/api/traces?to=3000-01-01T00:00:00Z', 'to'],
      ['/api/traces?from=1960-01-01T00:00:00Z', 'from'],
      ['/api/logs?severity=25', 'severity'],
      ['/api/metrics/query?metric=rate&step=400d', 'step'],
      ['/api/metrics/query?metric=rate&limit=101', 'limit'],
      ['/api/audit?limit=1001', 'limit'],
      ['/api/audit/entries/9007199254740992', 'index'],
    ] as const) {
      const res = await fetch(`${server.url}${url}`);
      const body = (await res.json()) as { error: { message: string } };
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(body.error.message, url).toContain(`"${name}"`);
    }
  });

  it('a cursor carrying an overflowing number is a 400, not a database error', async () => {
    const cursor = (key: string[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const url of [
      `/api/traces?cursor=${cursor(['99999999999999999999', TRACE_ID])}`,
      `/api/logs?cursor=${cursor(['99999999999999999999', '1'])}`,
      `/api/logs?cursor=${cursor(['1', '-99999999999999999999'])}`,
    ]) {
      const res = await fetch(`${server.url}${url}`);
      const body = (await res.json()) as { error: { message: string } };
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(body.error.message).toMatch(/cursor/);
    }
  });

  it('keeps serving afterwards', async () => {
    const res = await fetch(`${server.url}/api/traces?minDurationMs=250&limit=10`);
    expect(res.status).toBe(200);
  });
});
