import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveProjectUnauthenticated } from '../auth/index.js';
import { createApp } from '../http/index.js';
import { IngestPipeline } from '../ingest/index.js';
import { type DuckDbStore, openDuckDbStore } from '../store/index.js';
import { createMetrics } from './create-metrics.js';
import { testSpan } from './test-spans.js';

describe('createMetrics wired to a real DuckDB store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-cm-'));
  let store: DuckDbStore;
  // no scrape cache: scrapes below follow ingests within a second
  const metrics = createMetrics({ runtime: false, scrapeCacheMs: 0 });
  const app = createApp();
  app.use('*', resolveProjectUnauthenticated());
  app.route('/', metrics.routes);
  let pipeline: IngestPipeline;
  const start = Date.UTC(2026, 0, 1, 12);

  beforeAll(async () => {
    store = await openDuckDbStore({ path: join(dir, 'w.duckdb') });
    await metrics.open({ store, connection: await store.connect() });
    pipeline = new IngestPipeline({
      sinks: [
        { name: 'store', durable: true, consume: async (b) => void (await store.append(b)) },
        ...(metrics.sink ? [metrics.sink] : []),
      ],
      normalize: () => {}, // spans below are built normalized
    });
    const at = (ms: number) => BigInt(start + ms) * 1_000_000n;
    const spans = [
      ...Array.from({ length: 6 }, (_, i) =>
        testSpan({
          kind: 'tool',
          toolName: 'grep',
          startTimeUnixNano: at(i * 1000),
          endTimeUnixNano: at(i * 1000 + 50),
          statusCode: i < 2 ? 'error' : 'ok',
        }),
      ),
      testSpan({
        kind: 'llm',
        model: 'm',
        provider: 'p',
        inputTokens: 5,
        outputTokens: 7,
        startTimeUnixNano: at(0),
        endTimeUnixNano: at(10),
      }),
    ];
    await pipeline.ingest({ project: 'default', spans, logs: [] });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers span measures from the store through /api/metrics/query', async () => {
    const res = await app.request(
      `/api/metrics/query?metric=errors&groupBy=tool&kind=tool&from=${start}&to=${start + 60_000}&step=60`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      source: string;
      series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>;
    };
    expect(body.source).toBe('spans');
    expect(body.series).toHaveLength(1);
    expect(body.series[0].labels).toEqual({ tool: 'grep' });
    expect(body.series[0].points).toEqual([[start, 2]]);
    const tokens = await app.request(
      `/api/metrics/query?metric=tokens&from=${start}&to=${start + 60_000}&step=60`,
    );
    const t = (await tokens.json()) as { series: Array<{ points: Array<[number, number]> }> };
    expect(t.series[0].points[0][1]).toBe(12);
  });

  it('serves the derived metrics of the same batch on /metrics', async () => {
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('witness_tool_calls_total{project="default",tool="grep",status="error"} 2');
    expect(text).toContain(
      'witness_llm_tokens_total{project="default",model="m",provider="p",type="output"} 7',
    );
    const om = await app.request('/metrics', {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(om.headers.get('content-type')).toContain('application/openmetrics-text');
    expect(await om.text()).toMatch(/# EOF\n$/);
  });

  it('labels every derived series with its project, and a scrape naming a project gets only its series', async () => {
    await pipeline.ingest({
      project: 'beta',
      spans: [testSpan({ kind: 'tool', toolName: 'beta-tool', serviceName: 'beta-svc' })],
      logs: [],
    });
    const all = await (await app.request('/metrics')).text();
    expect(all).toContain('witness_tool_calls_total{project="beta",tool="beta-tool",status="ok"} 1');
    expect(all).toContain('witness_tool_calls_total{project="default",tool="grep",status="error"} 2');
    // one HELP/TYPE per family, whatever the number of projects
    expect(all.match(/# TYPE witness_tool_calls_total /g)).toHaveLength(1);
    const beta = await (await app.request('/metrics', { headers: { 'x-witness-project': 'beta' } })).text();
    expect(beta).toContain('tool="beta-tool"');
    expect(beta).not.toContain('grep');
    expect(beta).not.toContain('project="default"');
    const only = await (await app.request('/metrics?project=default')).text();
    expect(only).toContain('tool="grep"');
    expect(only).not.toContain('beta');
    // a project with no series: the families' headers, no samples of anyone
    const none = await (await app.request('/metrics?project=gamma')).text();
    expect(none).toContain('# TYPE witness_tool_calls_total counter');
    expect(none).not.toMatch(/tool="/);
    // span series on the query API are the project's own
    const q = (project: string) =>
      app
        .request(
          `/api/metrics/query?metric=count&groupBy=tool&kind=tool&from=${start}&to=${start + 60_000}&step=60`,
          {
            headers: { 'x-witness-project': project },
          },
        )
        .then((r) => r.json() as Promise<{ series: Array<{ labels: Record<string, string> }> }>);
    expect((await q('default')).series.map((s) => s.labels.tool)).toEqual(['grep']);
    expect((await q('gamma')).series).toEqual([]);
  });

  it('with derived: false there is no sink and no derived family', async () => {
    const off = createMetrics({ derived: false, runtime: false });
    expect(off.sink).toBeNull();
    const text = await (await off.routes.request('/metrics')).text();
    expect(text).not.toContain('witness_spans_total');
    expect(text).toContain('witness_ingest_spans_received_total');
  });
});
