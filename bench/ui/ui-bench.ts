/**
 * `npm run bench:ui` — the UI on a big store, timed in Chromium.
 *
 * Fills a store with ~1,000,000 spans (20-span agent runs spread over the last 20 hours, plus one
 * 5,000-span trace) through the store's append path, starts `witness serve` on it, and times in the
 * browser (performance marks the UI sets when rows are on screen, from navigation start):
 *   - the traces page's first rows (target ≤ 1 s)
 *   - opening the 5,000-span trace (target ≤ 2 s)
 * The baseline is measured in the same run: the same pages on a small store (1,000 spans) and a
 * 21-span trace, so the ratio shows what the data size costs on this machine.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../test/ui/browser.js';
import { agentTrace, traceIdOf } from './span-factory.js';
import { openBenchStore, startServe } from './bench-server.js';

const TOTAL = Number(process.env.UI_BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.UI_BENCH_RUNS ?? 5);
const BIG_TRACE_SPANS = 5_000;
const ROOT = join(process.cwd(), '.bench-data', 'ui');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Fill `dir` with `total` spans unless a previous run already did (the marker says how many). */
async function populate(dir: string, total: number): Promise<{ bigTrace: string; smallTrace: string }> {
  const marker = join(dir, 'populated.json');
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8'));
    if (m.total === total) return m;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = await openBenchStore(dir);
  const started = Date.now();
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const perTrace = 21;
  const traces = Math.max(1, Math.floor((total - BIG_TRACE_SPANS - 1) / perTrace));
  const spreadNs = 20n * 3600n * 1_000_000_000n;
  let batch = [];
  let written = 0;
  for (let n = 0; n < traces; n++) {
    const startNs = nowNs - 60_000_000_000n - (spreadNs * BigInt(n)) / BigInt(traces);
    batch.push(...agentTrace(n, startNs, 4));
    if (batch.length >= 20_000) {
      await store.append({ project: 'default', spans: batch, logs: [] });
      written += batch.length;
      batch = [];
      if (n % 10_000 < 1000) process.stdout.write(`\r  ${dir}: ${written.toLocaleString()} spans`);
    }
  }
  // the big trace: 1,000 agents × 5 spans, started a little after the newest runs
  const big = agentTrace(traces, nowNs - 30_000_000_000n, Math.floor((BIG_TRACE_SPANS - 1) / 5));
  batch.push(...big);
  await store.append({ project: 'default', spans: batch, logs: [] });
  written += batch.length;
  await store.close();
  const m = {
    total,
    bigTrace: traceIdOf(traces),
    smallTrace: traceIdOf(0),
    spans: written,
    seconds: (Date.now() - started) / 1000,
  };
  writeFileSync(marker, JSON.stringify(m));
  process.stdout.write(
    `\r  ${dir}: ${written.toLocaleString()} spans written in ${m.seconds.toFixed(1)} s\n`,
  );
  return m;
}

/** ms from navigation start to the UI's performance mark, read in the page. */
async function timeTo(page: Page, url: string, mark: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, {
    timeout: 60_000,
    polling: 20,
  });
  return page.evaluate((m) => performance.getEntriesByName(m)[0]!.startTime, mark);
}

async function measure(page: Page, baseUrl: string, traceId: string) {
  const list: number[] = [];
  const trace: number[] = [];
  // one warm-up of each: the first query also loads DuckDB's file pages from disk
  await timeTo(page, `${baseUrl}/traces`, 'witness:traces-rows');
  await timeTo(page, `${baseUrl}/traces/${traceId}`, 'witness:trace-rows');
  for (let i = 0; i < RUNS; i++) {
    list.push(await timeTo(page, `${baseUrl}/traces`, 'witness:traces-rows'));
    trace.push(await timeTo(page, `${baseUrl}/traces/${traceId}`, 'witness:trace-rows'));
  }
  return { list: median(list), trace: median(trace), listAll: list, traceAll: trace };
}

async function main() {
  console.log(
    `bench:ui — ${TOTAL.toLocaleString()} spans vs a 1,000-span baseline, ${RUNS} runs each (median)`,
  );
  const big = await populate(join(ROOT, `spans-${TOTAL}`), TOTAL);
  const small = await populate(join(ROOT, 'spans-1000'), 1000 + BIG_TRACE_SPANS);
  const browser = await launchBrowser();
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  try {
    for (const [name, dir, trace] of [
      ['baseline', join(ROOT, 'spans-1000'), small.smallTrace],
      ['big', join(ROOT, `spans-${TOTAL}`), big.bigTrace],
    ] as const) {
      const server = await startServe(dir);
      try {
        results[name] = await measure(browser.page, server.baseUrl, trace);
      } finally {
        await server.stop();
      }
    }
    // the 5,000-span trace on the small store too: separates data-size cost from trace-size cost
    const server = await startServe(join(ROOT, 'spans-1000'));
    try {
      results.bigTraceSmallStore = await measure(browser.page, server.baseUrl, small.bigTrace);
    } finally {
      await server.stop();
    }
  } finally {
    await browser.close();
  }
  const b = results.baseline!;
  const g = results.big!;
  const row = (label: string, v: number, base: number, target: number) =>
    console.log(
      `${label.padEnd(48)} ${v.toFixed(0).padStart(6)} ms   baseline ${base.toFixed(0).padStart(5)} ms   ratio ${(v / base).toFixed(2)}   target ≤ ${target} ms ${v <= target ? 'MET' : 'MISSED'}`,
    );
  console.log('');
  row(`traces page, first rows (${TOTAL.toLocaleString()} spans)`, g.list, b.list, 1000);
  row(
    `open ${BIG_TRACE_SPANS.toLocaleString()}-span trace (${TOTAL.toLocaleString()} spans)`,
    g.trace,
    b.trace,
    2000,
  );
  console.log(
    `  (${BIG_TRACE_SPANS.toLocaleString()}-span trace on the 1,000-span store: ${results.bigTraceSmallStore!.trace.toFixed(0)} ms)`,
  );
  console.log(
    `  runs: list ${g.listAll.map((x) => x.toFixed(0)).join(', ')} | trace ${g.traceAll.map((x) => x.toFixed(0)).join(', ')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
