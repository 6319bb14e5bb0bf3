/**
 * Live anomaly detection in a real `witness serve` (real DuckDB file): crafted traffic in, anomaly
 * events out of GET /api/anomalies with the trace behind them, counted on /metrics, kept per project,
 * and still listed after a restart.
 */
import { rmSync } from 'node:fs';
import {
  type AnomalyJson,
  type AnomalyPageJson,
  anomalyPageSchema,
  type CostForecastJson,
  costForecastSchema,
} from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSpans, runSpans, steadyThenSpike } from './helpers/anomaly-traffic.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
const minute = 60_000;
const recent = () => Math.floor(Date.now() / minute) * minute - 30 * minute;

async function anomalies(
  query: string,
  project?: string,
): Promise<{ status: number; body: AnomalyPageJson }> {
  const res = await fetch(`${w.url}/api/anomalies?${query}`, {
    headers: project ? { 'x-witness-project': project } : {},
  });
  const body = (await res.json()) as AnomalyPageJson;
  // every 200 is checked against the schema the OpenAPI document publishes
  if (res.status === 200) anomalyPageSchema.parse(body);
  return { status: res.status, body };
}

/** Polls until an event matching `pick` is listed (the sink runs right after the commit). */
async function waitFor(query: string, pick: (a: AnomalyJson) => boolean): Promise<AnomalyJson> {
  for (let i = 0; i < 100; i++) {
    const { status, body } = await anomalies(query);
    expect(status, JSON.stringify(body)).toBe(200);
    const found = body.items.find(pick);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no anomaly matching ${query}: ${JSON.stringify((await anomalies(query)).body)}`);
}

const dataDirs: string[] = [];
beforeAll(async () => {
  w = await startWitness();
}, 60_000);
afterAll(async () => {
  await w?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/anomalies', () => {
  let loopTrace = '';

  it('a run with 20 identical tool calls is a tool_loop event with its trace id', async () => {
    const calls = Array.from({ length: 20 }, () => ({
      name: 'fetch_page',
      args: '{"url":"https://shop.test/cart"}',
      durationMs: 40,
    }));
    const run = runSpans({ agent: 'browser', endMs: recent(), tools: calls });
    loopTrace = run.traceId;
    await postSpans(w.url, 'web-agent', run.spans);
    const e = await waitFor('kind=tool_loop', (a) => a.traceIds.includes(run.traceId));
    expect(e).toMatchObject({
      kind: 'tool_loop',
      metric: 'fetch_page',
      value: 20,
      labels: { service: 'web-agent', agent: 'browser', tool: 'fetch_page', model: null },
    });
    expect(e.score).toBeGreaterThanOrEqual(0.5);
    // and the trace it names is there to open
    expect((await fetch(`${w.url}/api/traces/${run.traceId}`)).status).toBe(200);
  });

  it('a run costing 50× the agent median is a run_cost event with its trace id', async () => {
    const base = recent();
    const spans = [];
    for (let n = 0; n < 25; n++) {
      const cost = 0.01 + (n % 5) * 0.0005;
      spans.push(
        ...runSpans({
          agent: 'billing',
          endMs: base + n * 1000,
          llm: { model: 'gpt-4o', costUsd: cost, tokens: 800 },
        }).spans,
      );
    }
    await postSpans(w.url, 'billing-svc', spans);
    const costly = runSpans({
      agent: 'billing',
      endMs: base + 60_000,
      llm: { model: 'gpt-4o', costUsd: 0.55, tokens: 800 },
    });
    await postSpans(w.url, 'billing-svc', costly.spans);
    const e = await waitFor('kind=run_cost&agent=billing', (a) => a.traceIds.includes(costly.traceId));
    expect(e.expected).toBeCloseTo(0.011, 6);
    expect(e.value).toBeCloseTo(0.55, 6);
    expect(e.labels).toMatchObject({ service: 'billing-svc', agent: 'billing' });
    // the steady runs before it raised nothing about cost
    const all = await anomalies('agent=billing&kind=run_cost');
    expect(all.body.items.map((a) => a.traceIds[0])).toEqual([costly.traceId]);
  });

  it('a latency spike on a live series is a series event with the slow trace and the recent buckets', async () => {
    const spike = await steadyThenSpike(w.url, { service: 'orders', agent: 'order-bot' });
    const e = await waitFor(
      'kind=series&service=orders',
      (a) => a.metric === 'latency_p95' && a.labels.tool === 'search',
    );
    expect(e.timeMs).toBe(spike.spikeMs);
    expect(e.traceIds).toEqual([spike.traceId]);
    expect(e.value).toBeGreaterThan(7000);
    expect(e.expected).toBeGreaterThan(80);
    expect(e.expected).toBeLessThan(200);
    expect(e.points.at(-1)?.[0]).toBe(spike.spikeMs);
  }, 60_000);

  it('filters by time and pages with a cursor', async () => {
    const page1 = await anomalies('limit=1');
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await anomalies(`limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0]!.id).not.toBe(page1.body.items[0]!.id);
    expect(page2.body.items[0]!.timeMs).toBeLessThanOrEqual(page1.body.items[0]!.timeMs);
    const future = await anomalies(`since=${Date.now() + 86_400_000}`);
    expect(future.body.items).toEqual([]);
  });

  it('answers 400 naming a bad parameter', async () => {
    for (const q of ['kind=bogus', 'since=yesterday', 'limit=0', 'cursor=xyz', 'nope=1']) {
      const res = await anomalies(q);
      expect(res.status, q).toBe(400);
    }
  });

  it('keys anomalies by the ingesting project and lists a project its own only', async () => {
    const other = await anomalies('', 'other-project');
    expect(other.status).toBe(200);
    expect(other.body.items).toEqual([]);
    const calls = Array.from({ length: 12 }, () => ({ name: 'retry', args: '{}', durationMs: 5 }));
    const run = runSpans({ agent: 'looper', endMs: recent(), tools: calls });
    await postSpans(w.url, 'svc', run.spans, 'other-project');
    const inOther = async () => (await anomalies('kind=tool_loop', 'other-project')).body.items;
    for (let i = 0; i < 50 && (await inOther()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await inOther()).map((a) => a.traceIds[0])).toEqual([run.traceId]);
    const inDefault = (await anomalies('kind=tool_loop')).body.items.map((a) => a.traceIds[0]);
    expect(inDefault).not.toContain(run.traceId);
    expect(inDefault).toContain(loopTrace);
  });

  it('forecasts when the monthly cost budget is spent at the current hourly cost', async () => {
    const hour = 3_600_000;
    const thisHour = Math.floor(Date.now() / hour) * hour;
    // $1 an hour for the last 72 complete hours, from one LLM call at the middle of each hour
    const spans = [];
    for (let h = 72; h >= 1; h--)
      spans.push(
        ...runSpans({
          agent: 'spender',
          endMs: thisHour - h * hour + hour / 2,
          llm: { model: 'gpt-4o', costUsd: 1, tokens: 10 },
        }).spans,
      );
    await postSpans(w.url, 'forecast-svc', spans);
    const ask = async (q: string) => {
      const res = await fetch(`${w.url}/api/forecasts/cost?service=forecast-svc&${q}`);
      return { status: res.status, body: (await res.json()) as CostForecastJson };
    };
    const first = await ask('budgetUsd=1000000');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    costForecastSchema.parse(first.body);
    const spent = Math.min(72, (thisHour - first.body.monthStartMs) / hour);
    expect(first.body.spentUsd).toBeCloseTo(spent, 6);
    expect(first.body.status).toBe('on_track');
    expect(first.body.hourlyRateUsd).toBeCloseTo(1, 6);
    // five dollars left: spent by the end of the fifth hour from now, unless the month ends first
    const { body } = await ask(`budgetUsd=${spent + 5}`);
    if (thisHour + 5 * hour <= body.monthEndMs) {
      expect(body.status).toBe('will_exhaust');
      expect(body.exhaustedAtMs).toBe(thisHour + 5 * hour);
    } else {
      expect(body.status).toBe('on_track');
    }
    expect((await ask('')).status).toBe(400); // no budget given, none configured
    expect((await ask('budgetUsd=-1')).status).toBe(400);
    const other = await fetch(`${w.url}/api/forecasts/cost?service=forecast-svc&budgetUsd=10`, {
      headers: { 'x-witness-project': 'other-project' },
    });
    expect(((await other.json()) as CostForecastJson).spentUsd).toBe(0);
  });

  it('counts anomalies on /metrics by kind, every kind present', async () => {
    const text = await (await fetch(`${w.url}/metrics`)).text();
    expect(text).toMatch(/^witness_anomalies_total\{kind="tool_loop"\} 2$/m);
    expect(text).toMatch(/^witness_anomalies_total\{kind="run_cost"\} 1$/m);
    expect(text).toMatch(/^witness_anomalies_total\{kind="new_model"\} 0$/m);
    expect(text).toMatch(/^witness_anomalies_total\{kind="series"\} [1-9]\d*$/m);
  });

  it('still lists the events after a restart', async () => {
    const before = (await anomalies('limit=500')).body.items.map((a) => a.id).sort();
    const dataDir = w.dataDir;
    await w.kill('SIGTERM');
    dataDirs.push(dataDir);
    w = await startWitness({ dataDir });
    const after = (await anomalies('limit=500')).body.items.map((a) => a.id).sort();
    expect(after).toEqual(before);
    expect(after.length).toBeGreaterThan(2);
    expect((await anomalies('kind=tool_loop')).body.items.map((a) => a.traceIds[0])).toContain(loopTrace);
  }, 60_000);
});
