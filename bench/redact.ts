/**
 * bench:redact — the redaction stage's quality and cost.
 *
 * 1. Precision and recall per detector on the labelled corpus
 *    (packages/server/src/redact/fixtures/pii-corpus.json: 709 strings, 300 of them near-misses), every
 *    detector on (ip too, which is off by default). Target ≥ 0.98 each.
 * 2. Cost per span for a typical LLM span carrying ~2 KB of text (prompt and completion as GenAI
 *    message JSON, both also in the derived input/output fields, plus the usual short attributes),
 *    against a baseline measured in the same run on the same spans: a plain scan that reads every
 *    character of every string the redactor looks at (the least any scanner must do). Target ≤ 5 µs.
 *    Measured on spans without PII (the common case) and with PII in one span of ten.
 *
 *   npm run bench:redact [-- --spans 2000 --rounds 21]
 *
 * Times are CPU time of this process (process.cpuUsage), not wall time: on a shared machine the wall
 * time of a round includes waiting for a core.
 */
import { newSpanRecord, type SpanRecord } from '../packages/server/src/model/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { Redactor } from '../packages/server/src/redact/index.js';
import { evaluateCorpus, loadCorpus } from '../packages/server/src/redact/fixtures/evaluate-corpus.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SPANS = arg('spans', 2000);
const ROUNDS = arg('rounds', 21);

// ---- 1. quality ----
const corpus = loadCorpus();
const { scores } = evaluateCorpus(new Redactor({ detectors: { ip: { enabled: true } } }), corpus);
console.log(
  `corpus: ${corpus.length} strings, ${corpus.filter((c) => c.expect.length === 0).length} without PII`,
);
console.log('detector        tp   fp   fn  precision  recall  (target >= 0.98 each)');
let allMet = true;
for (const [name, s] of Object.entries(scores)) {
  const met = s.precision >= 0.98 && s.recall >= 0.98;
  allMet &&= met;
  console.log(
    `${name.padEnd(14)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}  ${s.precision.toFixed(3).padStart(9)}  ${s.recall.toFixed(3).padStart(6)}  ${met ? 'ok' : 'MISSED'}`,
  );
}
console.log(`all detectors >= 0.98: ${allMet ? 'yes' : 'NO'}\n`);

// ---- 2. cost ----
const PROSE = [
  'The customer asked about the refund policy for order ORD-2024-001234 placed on 2024-11-03.',
  'According to the knowledge base (version 3.2.1), refunds are processed within 5-7 business days.',
  'I checked the inventory service at 14:32:05 UTC and found 1,250 units in the Berlin warehouse.',
  'Step 2: call lookup_order with the id, then compare the totals ($129.99 vs $119.99) and explain.',
  'The model gpt-4o-2024-08-06 returned 412 tokens; latency was 1.8 s, within the 2.5 s budget.',
  'Summarise the conversation so far in three bullet points and propose the next best action.',
  'Shipping to zone 4 costs 12.50 EUR; express delivery adds 8 EUR and arrives in 1-2 days.',
  'Note: the previous agent run (trace 7f3a9c) failed with a timeout after 30000 ms on retry 3.',
];
const PII_LINE =
  'Reach me at jane.roe@example.com or card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.';

function paragraph(i: number, chars: number, pii: boolean): string {
  let s = pii ? `${PII_LINE} ` : '';
  for (let k = i; s.length < chars; k++) s += `${PROSE[k % PROSE.length]} `;
  return s.slice(0, chars);
}

function llmSpan(i: number, pii: boolean): SpanRecord {
  const span = newSpanRecord(
    'support-bot',
    { 'service.name': 'support-bot', 'deployment.environment': 'prod' },
    'witness',
    '0.1.0',
  );
  span.traceId = i.toString(16).padStart(32, '0');
  span.spanId = i.toString(16).padStart(16, '0');
  span.name = 'chat gpt-4o';
  span.startTimeUnixNano = 1_733_097_600_000_000_000n;
  span.endTimeUnixNano = span.startTimeUnixNano + 1_800_000_000n;
  const prompt = JSON.stringify([
    {
      role: 'system',
      parts: [{ type: 'text', content: 'You are a helpful support agent for an online shop.' }],
    },
    { role: 'user', parts: [{ type: 'text', content: paragraph(i, 1250, pii && i % 10 === 0) }] },
  ]);
  const completion = JSON.stringify([
    { role: 'assistant', parts: [{ type: 'text', content: paragraph(i + 3, 650, false) }] },
  ]);
  span.attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.response.id': `chatcmpl-${i}`,
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': 200,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.conversation.id': `sess-${i % 97}`,
    'user.id': `user-${i % 13}`,
    'gen_ai.input.messages': prompt,
    'gen_ai.output.messages': completion,
    'server.address': 'api.openai.com',
  };
  return span;
}

/** The baseline: touch every character of every string the redactor would scan. */
function plainScan(spans: SpanRecord[]): number {
  let sum = 0;
  const text = (s: string | null) => {
    if (s === null) return;
    for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
  };
  for (const span of spans) {
    text(span.name);
    text(span.input);
    text(span.output);
    for (const key in span.attributes) {
      const v = span.attributes[key];
      if (typeof v === 'string') text(v);
    }
  }
  return sum;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time of `fn` in µs (user + system): on a shared, loaded machine wall time also counts the
 * time this process waited for a core, which swings by 2× between rounds; CPU time does not. */
function cpuTime(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return d.user + d.system;
}

function measure(pii: boolean): void {
  const template = Array.from({ length: SPANS }, (_, i) => llmSpan(i, pii));
  normalizeSpans(template);
  const textChars =
    template.reduce((n, s) => n + (s.input?.length ?? 0) + (s.output?.length ?? 0), 0) / SPANS;
  const redactor = new Redactor();
  const base: number[] = [];
  const red: number[] = [];
  const ratios: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS + 2; r++) {
    const a = structuredClone(template);
    const b = structuredClone(template);
    // alternate which goes first, so neither always runs right after the clone (and its GC)
    let tb = 0;
    let tr = 0;
    if (r % 2 === 0) {
      tb = cpuTime(() => {
        sink += plainScan(a);
      });
      tr = cpuTime(() => redactor.redactSpans(b));
    } else {
      tr = cpuTime(() => redactor.redactSpans(b));
      tb = cpuTime(() => {
        sink += plainScan(a);
      });
    }
    if (r >= 2) {
      base.push(tb / SPANS);
      red.push(tr / SPANS);
      ratios.push(tr / tb);
    }
  }
  const b = median(base);
  const m = median(red);
  console.log(
    `${pii ? 'with PII (1 span in 10)' : 'no PII                 '}  ${Math.round(textChars)} chars of input+output per span` +
      `  plain scan ${b.toFixed(2)} µs/span  redaction ${m.toFixed(2)} µs/span  ratio ${median(ratios).toFixed(2)}× (median of per-round ratios)  target <= 5 µs: ${m <= 5 ? 'met' : 'MISSED'}`,
  );
  if (sink === 42) console.log('');
}

console.log(`cost per span (${SPANS} spans, CPU time, median of ${ROUNDS} rounds):`);
measure(false);
measure(true);
