import { alertRuleSchema, type AnomalyJson } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import { anomalyConditions, evaluateRules } from './rule-evaluator.js';

const event = (over: Partial<AnomalyJson> & { agent?: string | null; tool?: string | null }): AnomalyJson => {
  const { agent = 'browser', tool = 'fetch_page', ...rest } = over;
  return {
    id: `e${Math.random()}`,
    kind: 'tool_loop',
    metric: tool,
    labels: { service: 'web', agent, model: null, tool },
    timeMs: 1_000,
    score: 0.8,
    value: 20,
    expected: null,
    lower: null,
    upper: 9,
    traceIds: ['a'.repeat(32)],
    message: 'loop',
    points: [],
    ...rest,
  };
};
const rule = (over: Record<string, unknown> = {}) => {
  const r = alertRuleSchema.parse({ kind: 'anomaly', name: 'Loop', ...over });
  if (r.kind !== 'anomaly') throw new Error('not an anomaly rule');
  return r;
};

describe('anomaly rules', () => {
  it('defaults: score 0.5, lookback 15 m, every anomaly of the project', () => {
    expect(rule()).toMatchObject({ threshold: 0.5, lookback: 900_000, anomalies: {}, project: 'default' });
    expect(() => alertRuleSchema.parse({ kind: 'anomaly', name: 'x', threshold: 2 })).toThrow();
    expect(() =>
      alertRuleSchema.parse({ kind: 'anomaly', name: 'x', anomalies: { kind: 'nope' } }),
    ).toThrow();
  });

  it('one condition per series, the highest score with its trace; filters and the threshold drop the rest', () => {
    const r = rule({ anomalies: { agent: 'browser' }, threshold: 0.6 });
    const cs = anomalyConditions(r, [
      event({ score: 0.7, timeMs: 1, traceIds: ['1'.repeat(32)] }),
      event({ score: 0.9, timeMs: 2, traceIds: ['2'.repeat(32)] }),
      event({ score: 0.95, tool: 'search' }),
      event({ score: 0.99, agent: 'other' }),
      event({ score: 0.55, tool: 'low' }),
    ]);
    expect(cs.map((c) => [c.series.tool, c.value])).toEqual([
      ['fetch_page', 0.9],
      ['search', 0.95],
    ]);
    expect(cs[0]).toMatchObject({
      active: true,
      series: { anomaly_kind: 'tool_loop', anomaly_metric: 'fetch_page', agent: 'browser', service: 'web' },
      tracePath: `/traces/${'2'.repeat(32)}`,
      annotations: { trace_id: '2'.repeat(32), anomaly: 'loop' },
    });
    expect(cs[0]?.series.model).toBeUndefined();
  });

  it('asks for the rule project over its lookback, and reports an error with anomaly detection off', async () => {
    const r = rule({ project: 'alpha', lookback: '30s', anomalies: { kind: 'run_cost' } });
    const asked: unknown[] = [];
    const opts = {
      store: () => null,
      slos: {} as never,
      metricQuery: async () => ({ series: [] }),
      anomalies: () => async (project: string, q: unknown) => {
        asked.push({ project, q });
        return [];
      },
    };
    const out = await evaluateRules([r], opts, 100_000);
    expect(out).toEqual({ conditions: [], errors: [] });
    expect(asked).toEqual([
      { project: 'alpha', q: { sinceMs: 70_000, minScore: 0.5, kind: 'run_cost', limit: 500 } },
    ]);
    const off = await evaluateRules([r], { ...opts, anomalies: () => null }, 100_000);
    expect(off.errors[0]?.error).toMatch(/anomaly detection is off/);
  });
});
