import { describe, expect, it } from 'vitest';
import { PolicySet } from './policy-set.js';

const ctx = (span: Record<string, unknown>) => ({
  span: { kind: 'tool', tool: '', mode: '', attributes: {}, ...span },
  trace: { costUsd: 0 },
});

describe('PolicySet guards (top-level conjuncts checked before CEL)', () => {
  const set = new PolicySet([
    {
      name: 'tool-x-tenant',
      expression: 'span.tool == "x" && span.attributes["tenant"] == "t1"',
      severity: 'low',
      action: 'record',
    },
    {
      name: 'guarded-key',
      expression: '"tenant" in span.attributes && span.attributes["tenant"] == "t2"',
      severity: 'low',
      action: 'record',
    },
    {
      name: 'over-budget-or-errors',
      expression: 'trace.costUsd > 10.5 || 3 < trace.errors',
      severity: 'low',
      action: 'record',
    },
    {
      name: 'mode-in',
      expression: 'span.mode in ["draft", "research"] && span.tool != ""',
      severity: 'low',
      action: 'record',
    },
  ]);

  it('reads the guards from the expression', () => {
    expect(set.policies.map((p) => p.guard !== null)).toEqual([true, true, true, true]);
    const unguarded = new PolicySet([
      {
        name: 'n',
        expression: '!(span.tool == "x") || span.model.startsWith("m")',
        severity: 'low',
        action: 'record',
      },
    ]);
    expect(unguarded.policies[0]!.guard).toBeNull();
  });

  it('gives the same answers as evaluating every policy', () => {
    const names = (span: Record<string, unknown>) => set.evaluate(ctx(span)).map((m) => m.policy.name);
    expect(names({ tool: 'x', attributes: { tenant: 't1' } })).toEqual(['tool-x-tenant']);
    expect(names({ tool: 'y', attributes: { tenant: 't1' } })).toEqual([]);
    expect(names({ tool: 'y', attributes: { tenant: 't2' } })).toEqual(['guarded-key']);
    expect(names({ tool: 'y', attributes: { toString: 't2' } })).toEqual([]);
    expect(names({ tool: 'y', mode: 'research' })).toEqual(['mode-in']);
    expect(names({ tool: 'y', mode: 'execute' })).toEqual([]);
    const traced = (trace: Record<string, unknown>) =>
      set
        .evaluate({ span: { kind: 'llm', tool: '', mode: '', attributes: {} }, trace })
        .map((m) => m.policy.name);
    expect(traced({ costUsd: 11, errors: 0 })).toEqual(['over-budget-or-errors']);
    expect(traced({ costUsd: 10.5, errors: 4 })).toEqual(['over-budget-or-errors']);
    expect(traced({ costUsd: 10.5, errors: 3 })).toEqual([]);
  });

  it('decides startsWith and sums of numeric fields too, with the same answers as CEL', () => {
    const more = new PolicySet([
      {
        name: 'model-or-provider',
        expression: 'span.model.startsWith("gpt-") || span.provider == "acme"',
        severity: 'low',
        action: 'record',
      },
      {
        name: 'tokens',
        expression: 'span.inputTokens + span.outputTokens > 100',
        severity: 'low',
        action: 'record',
      },
    ]);
    expect(more.policies.map((p) => p.guard !== null)).toEqual([true, true]);
    const names = (span: Record<string, unknown>) =>
      more
        .evaluate({ span: { model: '', provider: '', inputTokens: 0, outputTokens: 0, ...span }, trace: {} })
        .map((m) => m.policy.name);
    expect(names({ model: 'gpt-4o' })).toEqual(['model-or-provider']);
    expect(names({ model: 'claude', provider: 'acme' })).toEqual(['model-or-provider']);
    expect(names({ model: 'claude', provider: 'x' })).toEqual([]);
    expect(names({ inputTokens: 60, outputTokens: 41 })).toEqual(['tokens']);
    expect(names({ inputTokens: 60, outputTokens: 40 })).toEqual([]);
  });

  it('skips a policy whose guard fails without evaluating it (no missing-key error counted)', () => {
    const before = set.errors['tool-x-tenant'] ?? 0;
    set.evaluate(ctx({ tool: 'y', attributes: {} }));
    expect(set.errors['tool-x-tenant'] ?? 0).toBe(before);
    // the guard holds, the key is missing: CEL evaluates and counts the error
    set.evaluate(ctx({ tool: 'x', attributes: {} }));
    expect(set.errors['tool-x-tenant']).toBe(before + 1);
  });
});
