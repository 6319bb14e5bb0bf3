/**
 * Projects over a real server and DuckDB file (auth off): projects alpha and beta are sent the same
 * trace and span ids, each with its own service, agent, log body, metric and audit marker. No answer
 * of any read route (every GET of API_ROUTES with read or metrics access) to one project carries the
 * other's marker, services or values; the same ids are two traces; a bad project id is a 400 naming it.
 */
import { API_ROUTES } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeSamples } from './helpers/route-samples.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
const SHARED_TRACE = '5b8efff798038103d269b633813fc60c';
const PROJECTS = ['alpha', 'beta'] as const;
const other = (p: string) => (p === 'alpha' ? 'beta' : 'alpha');
/** What only project p's data holds: service name, log body, metric name, audit actor all carry it. */
const marker = (p: string) => `${p}-marker`;
const samplesOf = (p: string) =>
  routeSamples({ traceId: SHARED_TRACE, service: `svc-${p}`, marker: marker(p) });
/** A trace only this project has. */
const ownTrace = (p: string) => (p === 'alpha' ? 'a'.repeat(32) : 'b'.repeat(32));

const send = (p: string, url: string, body: unknown, method = 'POST') =>
  fetch(`${w.url}${url}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-witness-project': p },
    body: JSON.stringify(body),
  });
const read = async (p: string, url: string) => {
  const res = await fetch(`${w.url}${url}`, { headers: { 'x-witness-project': p } });
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  w = await startWitness();
  for (const p of PROJECTS) {
    const s = samplesOf(p);
    for (const key of ['POST /v1/traces', 'POST /v1/logs', 'POST /v1/metrics']) {
      const res = await send(p, s[key].url, s[key].body);
      expect(res.status, `${p} ${key}`).toBe(200);
    }
    // a trace only this project has
    const own = structuredClone(s['POST /v1/traces'].body) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }>;
    };
    own.resourceSpans[0].scopeSpans[0].spans[0].traceId = ownTrace(p);
    expect((await send(p, '/v1/traces', own)).status).toBe(200);
    // a person's action in this project
    const action = s['POST /api/audit/actions'];
    expect((await send(p, action.url, action.body)).status).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await w?.stop();
});

describe('projects over a real server', () => {
  it('stores the same trace id in both projects as two traces, each answered from its own spans', async () => {
    for (const p of PROJECTS) {
      const { status, text } = await read(p, `/api/traces/${SHARED_TRACE}`);
      expect(status).toBe(200);
      expect(text).toContain(`svc-${p}`);
      expect(text).not.toContain(`svc-${other(p)}`);
      // the other project's own trace does not exist here
      expect((await read(p, `/api/traces/${ownTrace(other(p))}`)).status).toBe(404);
      expect((await read(p, `/api/traces/${ownTrace(p)}`)).status).toBe(200);
    }
  });

  it("no read route answers one project with the other's data", async () => {
    const routes = API_ROUTES.filter(
      (r) =>
        r.method === 'get' &&
        (r.access === 'read' || r.access === 'metrics') &&
        // the switcher's list names projects by design (auth off: every project with data)
        r.path !== '/api/projects',
    );
    expect(routes.length).toBeGreaterThan(10);
    for (const p of PROJECTS) {
      const q = other(p);
      const mine = samplesOf(p);
      const theirs = samplesOf(q);
      for (const route of routes) {
        const key = `GET ${route.path}`;
        // the route as this project would ask it, and asking for the other project's names and ids
        for (const sample of [mine[key], theirs[key]]) {
          expect(sample, key).toBeDefined();
          const url = route.path === '/metrics' ? `${sample.url}?project=${p}` : sample.url;
          const { status, text } = await read(p, url);
          expect(status, `${p} ${url}: ${text.slice(0, 200)}`).toBeLessThan(500);
          expect(text, `${p} ${url}`).not.toContain(marker(q));
          expect(text, `${p} ${url}`).not.toContain(`svc-${q}`);
          expect(text, `${p} ${url}`).not.toContain(`${q}_marker`); // the metric name
        }
      }
      // every audit entry by index: the other project's are 404s, none leaks a marker
      const size = JSON.parse((await read(p, '/api/audit/checkpoints/latest')).text).size as number;
      for (let i = 0; i < size; i++) {
        const { text } = await read(p, `/api/audit/entries/${i}`);
        expect(text, `${p} entry ${i}`).not.toContain(marker(q));
      }
    }
  });

  it('answers each project with its own data: traces, logs, services, metrics', async () => {
    for (const p of PROJECTS) {
      expect((await read(p, '/api/services')).text).toBe(JSON.stringify({ services: [`svc-${p}`] }));
      expect((await read(p, '/api/logs')).text).toContain(`hello from ${marker(p)}`);
      expect((await read(p, '/api/metrics/names')).text).toContain(`${p}_marker.queue.depth`);
      const traces = JSON.parse((await read(p, '/api/traces')).text) as { items: Array<{ traceId: string }> };
      expect(traces.items.map((t) => t.traceId).sort()).toEqual([SHARED_TRACE, ownTrace(p)].sort());
      expect((await read(p, `/metrics?project=${p}`)).text).toContain(`project="${p}"`);
    }
    // the unscoped scrape (auth off, no project named) has both, each labelled
    const all = await (await fetch(`${w.url}/metrics`)).text();
    for (const p of PROJECTS) expect(all).toContain(`witness_spans_total{project="${p}",service="svc-${p}"`);
    const projects = JSON.parse((await read('alpha', '/api/projects')).text) as {
      projects: string[];
      current: string;
    };
    expect(projects).toEqual({ projects: ['alpha', 'beta', 'default'], current: 'alpha' });
  });

  it('answers a malformed project id with 400 naming it, on reads and on ingest', async () => {
    for (const bad of ['Alpha', 'a/b', '-x', 'x'.repeat(64)]) {
      const res = await read(bad, '/api/traces');
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('x-witness-project');
      const ingest = await send(bad, '/v1/traces', samplesOf('alpha')['POST /v1/traces'].body);
      expect(ingest.status, bad).toBe(400);
    }
    const byParam = await fetch(`${w.url}/api/traces?project=NOPE`);
    expect(byParam.status).toBe(400);
    expect(await byParam.text()).toContain('project');
    // and the server keeps serving
    expect((await read('alpha', '/api/traces')).status).toBe(200);
  });
});
