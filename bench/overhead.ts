/**
 * bench:overhead — what instrumenting an agent costs it. A simulated agent loop (awaits, JSON work on
 * a realistic payload, fake LLM latency, tool calls) runs with and without @witness/sdk, interleaved
 * run by run (ABAB…) so machine drift hits both alike; Tukey IQR fences drop outlier runs on each
 * side; the overhead is the difference of the trimmed means. The instrumented side records 9 spans
 * per run (agent, 2 LLM calls with usage and messages, 3 tools, 2 steps, a decision) and exports them
 * for real: batched, protobuf-encoded, gzip, POSTed to a local OTLP sink.
 *
 * Three settings of fake LLM latency per call: 50 ms (still faster than real model calls, which
 * take 0.3–5 s), 5 ms, and 0 (the model answers on the next event-loop turn: pure CPU, the worst
 * case, where the recorded payloads — about 20 KB of prompts, tool arguments and results per run —
 * dominate). The < 1% target is about an agent that waits for models, i.e. the first.
 *
 *   npm run bench:overhead [-- --runs 200 --latency 50]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchSpanProcessor, OtlpTraceExporter, Witness } from '../packages/sdk/src/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 200);
const LATENCY = arg('latency', -1);

const documents = Array.from({ length: 40 }, (_, i) => ({
  id: `doc-${i}`,
  title: `Result ${i} about observability`,
  body: 'lorem ipsum dolor sit amet '.repeat(12),
  score: Math.random(),
  tags: ['a', 'b', 'c'],
}));

/** The agent's own work, identical on both sides. */
async function fakeLlm(
  latencyMs: number,
  prompt: string,
): Promise<{ text: string; usage: { input: number; output: number } }> {
  // even an instant model answers through the event loop (a socket read), never in a microtask
  if (latencyMs > 0) await sleep(latencyMs);
  else await new Promise((r) => setImmediate(r));
  return { text: `answer to ${prompt.slice(0, 20)}`, usage: { input: prompt.length >> 2, output: 40 } };
}
async function search(q: string) {
  await Promise.resolve();
  const raw = JSON.stringify(documents.map((d) => ({ ...d, q })));
  return (JSON.parse(raw) as typeof documents).filter((d) => d.score > 0.2).slice(0, 10);
}

type Agent = (latency: number, i: number) => Promise<number>;

const plain: Agent = async (latency, i) => {
  const plan = await fakeLlm(latency, `plan task ${i} ${JSON.stringify(documents.slice(0, 5))}`);
  const results = await Promise.all([search('a'), search('b'), search(plan.text)]);
  const answer = await fakeLlm(latency, `answer with ${JSON.stringify(results).slice(0, 2000)}`);
  return answer.text.length + results.length;
};

function instrumented(w: Witness): Agent {
  return (latency, i) =>
    w.agent('planner', async () => {
      w.step('decide how to research');
      const prompt = `plan task ${i} ${JSON.stringify(documents.slice(0, 5))}`;
      const plan = await w.llm(
        { provider: 'openai', model: 'gpt-4o', input: [{ role: 'user', content: prompt }] },
        async (s) => {
          const r = await fakeLlm(latency, prompt);
          s.usage({ inputTokens: r.usage.input, outputTokens: r.usage.output }).output([
            { role: 'assistant', content: r.text },
          ]);
          return r;
        },
      );
      const results = await Promise.all(
        ['a', 'b', plan.text].map((q) => w.tool({ name: 'search', args: { q } }, () => search(q))),
      );
      w.decision({ choice: 'answer', alternatives: ['answer', 'search more'], confidence: 0.8 });
      w.step('write the answer');
      const ask = `answer with ${JSON.stringify(results).slice(0, 2000)}`;
      const answer = await w.llm(
        { provider: 'openai', model: 'gpt-4o', input: [{ role: 'user', content: ask }] },
        async (s) => {
          const r = await fakeLlm(latency, ask);
          s.usage({ inputTokens: r.usage.input, outputTokens: r.usage.output }).output([
            { role: 'assistant', content: r.text },
          ]);
          return r;
        },
      );
      return answer.text.length + results.length;
    });
}

/** Mean after dropping values outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR] (Tukey's fences). */
function iqrMean(xs: number[]): { mean: number; kept: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  const q1 = q(0.25);
  const q3 = q(0.75);
  const lo = q1 - 1.5 * (q3 - q1);
  const hi = q3 + 1.5 * (q3 - q1);
  const kept = s.filter((x) => x >= lo && x <= hi);
  return { mean: kept.reduce((a, b) => a + b, 0) / kept.length, kept: kept.length };
}

/** Wall time and process CPU time (all threads: encoding, gzip, HTTP) of one run, in µs. */
async function time(agent: Agent, latency: number, i: number): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await agent(latency, i);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const c = process.cpuUsage(c0);
  return [wall, c.user + c.system];
}

async function main() {
  let received = 0;
  const sink = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => {
      received += c.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  const batch = new BatchSpanProcessor(new OtlpTraceExporter({ url }), { scheduledDelayMillis: 200 });
  const w = new Witness({
    serviceName: 'overhead-bench',
    spanProcessors: process.env.BENCH_NOEXPORT ? [] : [batch],
  });
  const traced = instrumented(w);

  console.log(
    `bench:overhead — ${RUNS} runs per side, interleaved, IQR-trimmed means, node ${process.version}`,
  );
  for (const latency of LATENCY >= 0 ? [LATENCY] : [50, 5, 0]) {
    for (let i = 0; i < (latency >= 50 ? 10 : 50); i++) {
      await plain(latency, i);
      await traced(latency, i);
    }
    const a: Array<[number, number]> = [];
    const b: Array<[number, number]> = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        a.push(await time(plain, latency, i));
        b.push(await time(traced, latency, i));
      } else {
        b.push(await time(traced, latency, i));
        a.push(await time(plain, latency, i));
      }
    }
    const base = iqrMean(a.map((x) => x[0]));
    const inst = iqrMean(b.map((x) => x[0]));
    const overhead = ((inst.mean - base.mean) / base.mean) * 100;
    const cpuBase = iqrMean(a.map((x) => x[1]));
    const cpuInst = iqrMean(b.map((x) => x[1]));
    console.log(
      `latency ${String(latency).padStart(2)} ms/LLM call: wall plain ${base.mean.toFixed(1)} µs/run (kept ${base.kept}), ` +
        `instrumented ${inst.mean.toFixed(1)} µs/run (kept ${inst.kept}) → overhead ${overhead.toFixed(2)}% ` +
        `(${(inst.mean - base.mean).toFixed(1)} µs/run); CPU ${cpuBase.mean.toFixed(0)} → ${cpuInst.mean.toFixed(0)} µs/run ` +
        `(+${(cpuInst.mean - cpuBase.mean).toFixed(0)} µs = ${(((cpuInst.mean - cpuBase.mean) / base.mean) * 100).toFixed(2)}% of plain wall time)`,
    );
  }
  await w.flush();
  const s = batch.stats;
  console.log(
    `exported ${s.exported} spans (${(received / 1e6).toFixed(1)} MB gzip), dropped ${batch.dropped}`,
  );
  await w.shutdown();
  sink.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
