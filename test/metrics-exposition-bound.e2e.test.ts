/**
 * The hostile /metrics input of issue 9, against the real `witness serve` on a small heap: one 8.6 MB
 * OTLP request with 20,000 distinct `service.name` values, then 200 concurrent scrapes. Before the
 * exposition budget this made a 10.7 MB exposition, rendered once per scraper, and the heap ran out.
 * Now every scrape stays within `metrics.maxExpositionBytes` (plus Witness's own fixed-size health
 * metrics), the process keeps serving, promtool's parser accepts the text format and a real
 * Prometheus scrapes it (OpenMetrics) with every span still counted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSpanId, newTraceId, ProtoWriter, writeSpan } from './helpers/otlp-proto.js';
import {
  PROMTOOL,
  type RunningPrometheus,
  requireBinary,
  skipWithoutPrometheus,
  startPrometheus,
} from './helpers/prometheus-binaries.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const { skip, reason } = skipWithoutPrometheus();
const SERVICES = 20_000;
const SPANS_PER_SERVICE = 2;
const SCRAPERS = 200;
const BUDGET = 4 * 1024 * 1024; // the default metrics.maxExpositionBytes
/** Witness's own health and Node runtime metrics: fixed in size, outside the derived budget. */
const SELF_SLACK = 64 * 1024;

/** ExportTraceServiceRequest with one ResourceSpans per distinct service. */
function hostileRequest(): Uint8Array {
  const w = new ProtoWriter();
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  for (let i = 0; i < SERVICES; i++) {
    const service = `tenant-${i}-checkout-service-${'x'.repeat(24)}`;
    w.message(1, (rs) => {
      rs.message(1, (res) =>
        res.message(1, (kv) => kv.string(1, 'service.name').message(2, (av) => av.string(1, service))),
      );
      rs.message(2, (ss) => {
        for (let k = 0; k < SPANS_PER_SERVICE; k++) {
          writeSpan(ss, {
            traceId: newTraceId(),
            spanId: newSpanId(),
            name: `chat model-${i}-${k}`,
            startNs: t0,
            endNs: t0 + 1_500_000_000n,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': `provider-${i}`,
              'gen_ai.request.model': `model-${i}-${k}`,
              'gen_ai.usage.input_tokens': 100,
              'gen_ai.usage.output_tokens': 10,
            },
          });
        }
      });
    });
  }
  return w.finish();
}

/** One scrape read as a stream (the test process must not hold 200 bodies either). */
async function scrapeSize(url: string): Promise<{ status: number; bytes: number; declared: number }> {
  const res = await fetch(`${url}/metrics`);
  let bytes = 0;
  for await (const chunk of res.body as ReadableStream<Uint8Array>) bytes += chunk.length;
  return { status: res.status, bytes, declared: Number(res.headers.get('content-length')) };
}

describe.skipIf(skip)(`/metrics under 20,000 hostile services and ${SCRAPERS} scrapers${reason}`, () => {
  let w: WitnessProcess;
  let prom: RunningPrometheus | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'witness-expo-'));

  beforeAll(async () => {
    // A small heap, so a regression (an exposition per scraper) fails here rather than on a big machine.
    w = await startWitness({ env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    const body = hostileRequest();
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await fetch(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(res.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${SCRAPERS} concurrent scrapes each stay within the budget and the process survives`, async () => {
    const results = await Promise.all(Array.from({ length: SCRAPERS }, () => scrapeSize(w.url)));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.bytes).toBe(r.declared);
      expect(r.bytes).toBeLessThanOrEqual(BUDGET + SELF_SLACK);
    }
    // the budget is really used: the flood filled it rather than being dropped before it
    expect(Math.max(...results.map((r) => r.bytes))).toBeGreaterThan(BUDGET / 2);
    expect(w.child.exitCode).toBeNull();
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
    // and it still ingests
    const more = await fetch(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(more.status).toBe(200);
  }, 180_000);

  it('the scrape is valid Prometheus text (promtool parses it) and reports the folding', async () => {
    const text = await (await fetch(`${w.url}/metrics`)).text();
    const promtool = requireBinary(PROMTOOL, 'promtool');
    let out = '';
    try {
      execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      // exit 1 with lint findings (naming advice) is fine; a parse error is not
      out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    }
    expect(out).not.toMatch(/pars|error while/i);
    const sample = (line: string) => Number(new RegExp(`^${line} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(sample('witness_metrics_exposition_budget_bytes')).toBe(BUDGET);
    expect(sample('witness_metrics_exposition_budget_used_bytes')).toBeLessThanOrEqual(BUDGET);
    expect(sample('witness_metrics_exposition_budget_refused_total')).toBeGreaterThan(0);
    expect(text).toContain('service="__overflow__"');
  });

  it('a real Prometheus scrapes it (OpenMetrics) and counts every span', async () => {
    prom = await startPrometheus(dir, new URL(w.url).host);
    const promUrl = prom.url;
    const scalar = async (expr: string): Promise<number | null> => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result.length === 0 ? null : Number(body.data.result[0].value[1]);
    };
    const deadline = Date.now() + 60_000;
    let spans: number | null = null;
    for (;;) {
      try {
        spans = await scalar('sum(witness_spans_total)');
        if (spans !== null) break;
      } catch {
        // Prometheus not up yet
      }
      if (Date.now() > deadline) throw new Error(`Prometheus never scraped Witness; its log:\n${prom.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await scalar('up{job="witness"}')).toBe(1);
    // every span counted, those past the budget in the __overflow__ series
    expect(spans).toBe(SERVICES * SPANS_PER_SERVICE);
    expect(await scalar('sum(witness_spans_total{service="__overflow__"})')).toBeGreaterThan(0);
    // and every token (past the budget the overflow series folds the `type` label too)
    expect(await scalar('sum(witness_llm_tokens_total)')).toBe(SERVICES * SPANS_PER_SERVICE * 110);
  }, 90_000);
});
