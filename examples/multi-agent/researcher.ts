/**
 * The researcher agent: an HTTP service. It continues the caller's trace from the W3C headers, so
 * its spans land in the planner's trace tree, then searches, reads and summarises.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { continueTrace, getBaggage, type Witness } from '@witness/sdk';

const LIBRARY = [
  {
    url: 'https://example.org/otel-genai',
    title: 'GenAI semantic conventions',
    text: 'gen_ai.* attributes describe model calls, agents and tools.',
  },
  {
    url: 'https://example.org/merkle',
    title: 'Merkle tree logs',
    text: 'An append-only log whose root hash commits to every entry.',
  },
  {
    url: 'https://example.org/w3c-trace',
    title: 'W3C Trace Context',
    text: 'traceparent carries the trace id and the parent span id.',
  },
];

/** A stand-in for a model call, so the example runs without an API key. */
async function summarise(w: Witness, question: string, sources: string[]): Promise<string> {
  const prompt = [
    { role: 'system', content: 'Summarise the sources in one sentence.' },
    { role: 'user', content: `${question}\n\n${sources.join('\n')}` },
  ];
  return w.llm({ provider: 'openai', model: 'gpt-4o-mini', input: prompt, temperature: 0 }, async (span) => {
    await new Promise((r) => setTimeout(r, 20));
    const answer = `In short: ${sources[0] ?? 'nothing found'}`;
    span
      .usage({ inputTokens: 180, outputTokens: 24, cacheReadTokens: 128 })
      .responseModel('gpt-4o-mini-2024-07-18');
    span.output([{ role: 'assistant', content: answer }]);
    return answer;
  });
}

export async function research(w: Witness, question: string): Promise<{ answer: string; sources: string[] }> {
  return w.agent('researcher', async () => {
    w.step(`Look for sources about: ${question}`);
    const hits = await w.tool({ name: 'search', args: { query: question, limit: 2 } }, async () => {
      const words = question
        .toLowerCase()
        .split(/\W+/)
        .filter((x) => x.length > 3);
      return LIBRARY.filter((d) => words.some((x) => `${d.title} ${d.text}`.toLowerCase().includes(x))).slice(
        0,
        2,
      );
    });
    w.decision({
      choice: hits.length > 0 ? 'read_top_hits' : 'answer_without_sources',
      alternatives: ['read_top_hits', 'search_again', 'answer_without_sources'],
      confidence: hits.length > 0 ? 0.85 : 0.4,
      rationale: `${hits.length} relevant hit(s)`,
    });
    const pages = await Promise.all(
      hits.map((h) => w.tool({ name: 'fetch_page', args: { url: h.url } }, async () => h.text)),
    );
    const answer = await summarise(w, question, pages);
    return { answer, sources: hits.map((h) => h.url) };
  });
}

/** Starts the researcher service; resolves with its URL. */
export async function startResearcher(
  w: Witness,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      continueTrace(req.headers, async () => {
        try {
          const { question } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { question: string };
          // baggage set by the planner travels with the request
          const tenant = getBaggage().tenant ?? 'unknown';
          const result = await w.withAttributes({ 'app.tenant': tenant }, () => research(w, question));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
        } catch (e) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: String(e) }));
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/research`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}
