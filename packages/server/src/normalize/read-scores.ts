/**
 * Evaluation scores carried by telemetry, as score records:
 *
 * - OpenTelemetry GenAI `gen_ai.evaluation.result` events (gen_ai.evaluation.name, .score.value,
 *   .score.label, .explanation), as a span event (about that span) or as a log record named so (about
 *   its span, or its trace when it has no span id). The event says nothing of who judged: `model`.
 * - OpenInference annotations and evaluations, flattened on the span they describe:
 *   `annotations.<i>.annotation.*` and `evaluations.<i>.evaluation.*` (about the span),
 *   `trace.annotations.<i>.annotation.*` (the trace), `session.annotations.<i>.annotation.*` (the
 *   session; needs the span's session id). `annotator_kind` HUMAN/LLM/CODE gives the source.
 *
 * Langfuse's OTel ingestion maps no score attributes (scores go through its score API), so there is
 * nothing Langfuse-specific to read here; Langfuse-style scores arrive through `POST /api/scores`.
 *
 * Ids are derived from where the score was found, so a replayed batch writes the same ids again and
 * the store (which replaces by id) never counts a score twice.
 */
import type { ScoreSource } from '@witness/protocol';
import type { AttrValue, Attributes, LogRecord, ScoreRecord, SpanRecord } from '../model/index.js';

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/** Longest name/label kept; longer ones are cut (they are group keys, not prose). */
const MAX_NAME = 200;
const MAX_COMMENT = 4000;
/** Most OpenInference results read from one span: a bound on what one span can add. */
const MAX_PER_SPAN = 50;

const OPENINFERENCE_LISTS: ReadonlyArray<{
  prefix: string;
  field: string;
  scope: 'span' | 'trace' | 'session';
}> = [
  { prefix: 'annotations.', field: 'annotation', scope: 'span' },
  { prefix: 'evaluations.', field: 'evaluation', scope: 'span' },
  { prefix: 'trace.annotations.', field: 'annotation', scope: 'trace' },
  { prefix: 'session.annotations.', field: 'annotation', scope: 'session' },
];

function text(v: AttrValue | undefined, max = MAX_NAME): string | null {
  if (v === undefined || v === null) return null;
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const t = s.trim();
  return t === '' ? null : t.slice(0, max);
}

function num(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.trim())) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function sourceOf(kind: string | null): ScoreSource {
  if (kind === 'HUMAN') return 'human';
  if (kind === 'CODE') return 'code';
  return 'model';
}

/** One `gen_ai.evaluation.result` payload, or null without a name or any result. */
function evaluation(attrs: Attributes): Pick<ScoreRecord, 'name' | 'value' | 'label' | 'comment'> | null {
  const name = text(attrs['gen_ai.evaluation.name']);
  const value = num(attrs['gen_ai.evaluation.score.value']);
  const label = text(attrs['gen_ai.evaluation.score.label']);
  const comment = text(attrs['gen_ai.evaluation.explanation'], MAX_COMMENT);
  if (name === null || (value === null && label === null && comment === null)) return null;
  return { name, value, label, comment };
}

function base(
  span: SpanRecord,
  timeUnixNano: bigint,
): Omit<ScoreRecord, 'id' | 'name' | 'value' | 'label' | 'comment' | 'source'> {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    sessionId: span.sessionId,
    author: null,
    agent: span.agentName,
    model: span.model,
    timeUnixNano,
  };
}

/** Scores in one span's events and attributes (none for almost every span: two cheap scans). */
export function scoresOfSpan(span: SpanRecord): ScoreRecord[] {
  const out: ScoreRecord[] = [];
  span.events.forEach((event, i) => {
    if (event.name !== EVALUATION_EVENT) return;
    const e = evaluation(event.attributes);
    if (!e) return;
    out.push({
      ...base(span, event.timeUnixNano || span.endTimeUnixNano),
      ...e,
      id: `otel:${span.traceId}:${span.spanId}:e${i}`,
      source: 'model',
    });
  });
  let lists: Map<string, { list: (typeof OPENINFERENCE_LISTS)[number]; fields: Attributes }> | null = null;
  for (const key in span.attributes) {
    for (const list of OPENINFERENCE_LISTS) {
      if (!key.startsWith(list.prefix)) continue;
      // <i>.<field>.<name>
      const rest = key.slice(list.prefix.length);
      const dot = rest.indexOf('.');
      const index = rest.slice(0, dot);
      if (dot < 1 || !/^\d{1,4}$/.test(index) || !rest.startsWith(`${list.field}.`, dot + 1)) continue;
      const field = rest.slice(dot + 2 + list.field.length);
      lists ??= new Map();
      const id = `${list.prefix}${index}`;
      let entry = lists.get(id);
      if (!entry) {
        if (lists.size >= MAX_PER_SPAN) continue;
        entry = { list, fields: {} };
        lists.set(id, entry);
      }
      entry.fields[field] = span.attributes[key];
    }
  }
  if (lists) {
    for (const [id, { list, fields: f }] of lists) {
      const name = text(f.name);
      const value = num(f.score);
      const label = text(f.label);
      const comment = text(f.explanation, MAX_COMMENT);
      if (name === null || (value === null && label === null && comment === null)) continue;
      if (list.scope === 'session' && span.sessionId === null) continue;
      const identifier = text(f.identifier);
      const target =
        list.scope === 'span'
          ? `${span.traceId}:${span.spanId}`
          : list.scope === 'trace'
            ? span.traceId
            : `session:${span.sessionId}`;
      out.push({
        ...base(span, span.endTimeUnixNano),
        traceId: list.scope === 'session' ? null : span.traceId,
        spanId: list.scope === 'span' ? span.spanId : null,
        // a producer's identifier names the result for its target; without one, where it was found does
        id: identifier ? `oi:${target}:${name}:${identifier}` : `oi:${span.traceId}:${span.spanId}:${id}`,
        name,
        value,
        label,
        comment,
        source: sourceOf(text(f.annotator_kind)),
        author: identifier,
      });
    }
  }
  return out;
}

/** A `gen_ai.evaluation.result` log record (OTel Events API) as a score; null for any other log. */
export function scoreOfLog(log: LogRecord): ScoreRecord | null {
  if (log.attributes['event.name'] !== EVALUATION_EVENT || log.traceId === null) return null;
  const e = evaluation(log.attributes);
  if (!e) return null;
  return {
    ...e,
    // logs have no identity: time, ids and the name make a replay land on the same score
    id: `otel-log:${log.traceId}:${log.spanId ?? ''}:${log.timeUnixNano}:${e.name}`,
    traceId: log.traceId,
    spanId: log.spanId,
    sessionId: null,
    source: 'model',
    author: null,
    agent: null,
    model: null,
    timeUnixNano: log.timeUnixNano,
  };
}
