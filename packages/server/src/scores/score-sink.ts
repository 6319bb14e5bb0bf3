/**
 * The ingest side of scores: a durable sink that writes the scores carried by a batch (evaluation
 * events, OpenInference annotations) before the batch is acknowledged. Durable because the client
 * deletes its copy on 200: a score lost here would be lost for good. It sees the spans new to the
 * store (a replayed span's scores were written with it) and every log; ids derived from where a
 * score was found make a replay replace, never double.
 */
import type { IngestSink } from '../ingest/index.js';
import type { ScoreRecord, SpanRecord } from '../model/index.js';
import { scoreOfLog, scoresOfSpan } from '../normalize/index.js';
import type { IngestBatch, Store } from '../store/types.js';
import { targetFields } from './score-target.js';

/** Traces read back per batch to fill the agent/model of scores sent as log events (they carry neither). */
const MAX_LOOKUPS = 20;

export class ScoreSink implements IngestSink {
  readonly name = 'scores';
  readonly durable = true;
  /** Scores written since start (for tests and the docs' figures). */
  written = 0;

  constructor(private readonly store: () => Pick<Store, 'appendScores' | 'getTrace'> | null) {}

  async consume(batch: IngestBatch): Promise<void> {
    let scores: ScoreRecord[] | null = null;
    for (const span of batch.spans) {
      const found = scoresOfSpan(span);
      if (found.length === 0) continue;
      if (scores === null) scores = found;
      else scores.push(...found);
    }
    // a score of an LLM or tool span belongs to the agent above it, when the batch holds that agent
    if (scores !== null) {
      const byTrace = new Map<string, SpanRecord[]>();
      for (const s of scores) {
        if (s.agent !== null || s.traceId === null) continue;
        let spans = byTrace.get(s.traceId);
        if (!spans) {
          spans = batch.spans.filter((x) => x.traceId === s.traceId);
          byTrace.set(s.traceId, spans);
        }
        s.agent = (targetFields(spans, s.spanId) ?? targetFields(spans, null))?.agent ?? null;
      }
    }
    const fromLogs: ScoreRecord[] = [];
    for (const log of batch.logs) {
      const s = scoreOfLog(log);
      if (s) fromLogs.push(s);
    }
    if (scores === null && fromLogs.length === 0) return;
    const store = this.store();
    if (!store) throw new Error('the store is not open yet: scores cannot be written');
    if (fromLogs.length > 0) await this.fill(store, batch, fromLogs);
    const all = [...(scores ?? []), ...fromLogs];
    await store.appendScores(batch.project, all);
    this.written += all.length;
  }

  /** Agent, model and session of log-event scores, from the same batch's spans or the stored trace. */
  private async fill(
    store: Pick<Store, 'getTrace'>,
    batch: IngestBatch,
    scores: ScoreRecord[],
  ): Promise<void> {
    const traces = new Map<string, Promise<SpanRecord[] | null>>();
    for (const s of scores) {
      const traceId = s.traceId as string;
      let spans = traces.get(traceId);
      if (!spans) {
        const inBatch = batch.spans.filter((x) => x.traceId === traceId);
        if (inBatch.length === 0 && traces.size >= MAX_LOOKUPS) continue;
        // a score about a trace not stored yet keeps empty fields (the events may come first)
        spans =
          inBatch.length > 0
            ? Promise.resolve(inBatch)
            : store.getTrace(batch.project, traceId).catch(() => null);
        traces.set(traceId, spans);
      }
      const found = await spans;
      const fields = found ? (targetFields(found, s.spanId) ?? targetFields(found, null)) : null;
      if (fields) Object.assign(s, fields);
    }
  }
}
