import { describe, expect, it } from 'vitest';
import { emptyAgentFields, type SpanRecord } from '../model/index.js';
import { makeLog, makeSpan, T0, traceIdOf } from '../store/test-records.js';
import { scoreOfLog, scoresOfSpan } from './read-scores.js';

function span(attributes: SpanRecord['attributes'], events: SpanRecord['events'] = []): SpanRecord {
  return makeSpan({
    trace: 1,
    n: 1,
    start: T0,
    durationMs: 10,
    attributes,
    fields: {
      ...emptyAgentFields(),
      events,
      sessionId: 'sess-9',
      agentName: 'support',
      model: 'gpt-4o',
      kind: 'agent',
    },
  });
}

describe('scoresOfSpan', () => {
  it('reads a gen_ai.evaluation.result span event as a score of that span', () => {
    const s = span({}, [
      { name: 'other', timeUnixNano: T0, attributes: {} },
      {
        name: 'gen_ai.evaluation.result',
        timeUnixNano: T0 + 5n,
        attributes: {
          'gen_ai.evaluation.name': 'relevance',
          'gen_ai.evaluation.score.value': 0.75,
          'gen_ai.evaluation.score.label': 'relevant',
          'gen_ai.evaluation.explanation': 'answers the question',
        },
      },
      // no name: not a score
      {
        name: 'gen_ai.evaluation.result',
        timeUnixNano: T0,
        attributes: { 'gen_ai.evaluation.score.value': 1 },
      },
    ]);
    expect(scoresOfSpan(s)).toEqual([
      {
        id: `otel:${s.traceId}:${s.spanId}:e1`,
        name: 'relevance',
        value: 0.75,
        label: 'relevant',
        comment: 'answers the question',
        traceId: s.traceId,
        spanId: s.spanId,
        sessionId: 'sess-9',
        source: 'model',
        author: null,
        agent: 'support',
        model: 'gpt-4o',
        timeUnixNano: T0 + 5n,
      },
    ]);
  });

  it('reads OpenInference annotations and evaluations at span, trace and session scope', () => {
    const s = span({
      'annotations.0.annotation.name': 'hallucination',
      'annotations.0.annotation.score': 1,
      'annotations.0.annotation.label': 'hallucinated',
      'annotations.0.annotation.annotator_kind': 'LLM',
      'annotations.0.annotation.identifier': 'judge-v2',
      'evaluations.0.evaluation.name': 'correctness',
      'evaluations.0.evaluation.label': 'correct',
      'evaluations.0.evaluation.annotator_kind': 'CODE',
      'trace.annotations.0.annotation.name': 'task_success',
      'trace.annotations.0.annotation.score': '0.5',
      'trace.annotations.0.annotation.annotator_kind': 'HUMAN',
      'session.annotations.3.annotation.name': 'coherence',
      'session.annotations.3.annotation.label': 'coherent',
      // name only, no result: dropped
      'annotations.1.annotation.name': 'empty',
      'openinference.span.kind': 'AGENT',
    });
    const got = scoresOfSpan(s).map((x) => [
      x.id,
      x.name,
      x.value,
      x.label,
      x.source,
      x.traceId,
      x.spanId,
      x.sessionId,
    ]);
    expect(got).toEqual([
      [
        `oi:${s.traceId}:${s.spanId}:hallucination:judge-v2`,
        'hallucination',
        1,
        'hallucinated',
        'model',
        s.traceId,
        s.spanId,
        'sess-9',
      ],
      [
        `oi:${s.traceId}:${s.spanId}:evaluations.0`,
        'correctness',
        null,
        'correct',
        'code',
        s.traceId,
        s.spanId,
        'sess-9',
      ],
      [
        `oi:${s.traceId}:${s.spanId}:trace.annotations.0`,
        'task_success',
        0.5,
        null,
        'human',
        s.traceId,
        null,
        'sess-9',
      ],
      [
        `oi:${s.traceId}:${s.spanId}:session.annotations.3`,
        'coherence',
        null,
        'coherent',
        'model',
        null,
        null,
        'sess-9',
      ],
    ]);
  });

  it('finds nothing on an ordinary span', () => {
    expect(scoresOfSpan(span({ 'gen_ai.request.model': 'x', 'annotations.x': 1 }))).toEqual([]);
  });
});

describe('scoreOfLog', () => {
  it('reads a gen_ai.evaluation.result log event about a span; other logs are not scores', () => {
    const log = makeLog({
      timeUnixNano: T0,
      body: '',
      traceId: traceIdOf(1),
      spanId: '00000000000003e9',
      attributes: {
        'event.name': 'gen_ai.evaluation.result',
        'gen_ai.evaluation.name': 'toxicity',
        'gen_ai.evaluation.score.value': 0,
      },
    });
    expect(scoreOfLog(log)).toMatchObject({
      name: 'toxicity',
      value: 0,
      traceId: traceIdOf(1),
      spanId: '00000000000003e9',
      source: 'model',
    });
    expect(scoreOfLog(makeLog({ timeUnixNano: T0, body: 'hello', traceId: traceIdOf(1) }))).toBeNull();
  });
});
