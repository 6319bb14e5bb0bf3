/**
 * The example policies shipped in docs/policies/examples.yaml, each on spans it must match and spans
 * it must not, through the same code ingest runs (Governance.dryRun: prescriptive detection, running
 * trace totals in start order, CEL).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { policySpec } from '../config/index.js';
import { newSpanRecord, type SpanRecord } from '../model/index.js';
import { Governance } from './governance.js';

const FILE = new URL('../../../../docs/policies/examples.yaml', import.meta.url);
const policies = policySpec
  .array()
  .parse((parseYaml(readFileSync(FILE, 'utf8')) as { policies: unknown }).policies);

let clock = 0n;
function span(traceId: string, fields: Partial<SpanRecord>): SpanRecord {
  const s = newSpanRecord('bot', {}, '', '');
  s.traceId = traceId.padStart(32, '0');
  s.spanId = (++clock).toString(16).padStart(16, '0');
  s.startTimeUnixNano = clock * 1_000_000n;
  s.endTimeUnixNano = s.startTimeUnixNano + 500_000n;
  return Object.assign(s, fields);
}
const gov = (mode: string | null, actor: string | null) => ({
  mode,
  actor,
  actorRole: null,
  workflow: null,
  outcome: null,
});

/** Names of the policies each span matched, in start order. */
function run(...spans: SpanRecord[]): string[][] {
  return new Governance({ policies }).dryRun(spans).map((r) => r.matches.map((m) => m.policy.name));
}
const only = (name: string, results: string[][]) =>
  results.map((names) => names.filter((n) => n === name).length);

describe('shipped example policies', () => {
  it('ships the five examples of the issue, all compiling', () => {
    expect(policies.map((p) => p.name)).toEqual([
      'side-effect-outside-execute',
      'execute-without-actor',
      'run-over-budget',
      'model-not-allowed',
      'tool-after-prescriptive-output',
    ]);
  });

  it('side-effect-outside-execute: a side-effecting tool in Draft mode matches; in Execute, or read-only, does not', () => {
    const r = run(
      span('1', { kind: 'tool', toolName: 'send_email', sideEffect: true, governance: gov('Draft', 'ann') }),
      span('1', {
        kind: 'tool',
        toolName: 'send_email',
        sideEffect: true,
        governance: gov('Execute', 'ann'),
      }),
      span('1', { kind: 'tool', toolName: 'search', sideEffect: false, governance: gov('Draft', 'ann') }),
      span('1', { kind: 'tool', toolName: 'delete_row', sideEffect: true, governance: null }),
    );
    expect(only('side-effect-outside-execute', r)).toEqual([1, 0, 0, 1]);
  });

  it('execute-without-actor: Execute-mode tool/decision without actor matches; with actor, or in Research, does not', () => {
    const r = run(
      span('2', { kind: 'tool', governance: gov('EXECUTE', null) }),
      span('2', { kind: 'decision', governance: gov('execute', null) }),
      span('2', { kind: 'tool', governance: gov('execute', 'ops-lead') }),
      span('2', { kind: 'tool', governance: gov('research', null) }),
      span('2', { kind: 'llm', governance: gov('execute', null) }),
    );
    expect(only('execute-without-actor', r)).toEqual([1, 1, 0, 0, 0]);
  });

  it('run-over-budget: fires on the span that crosses 1 USD, once per run; a cheap run never', () => {
    const r = run(
      span('3', { kind: 'llm', model: 'gpt-4o', costUsd: 0.6 }),
      span('3', { kind: 'llm', model: 'gpt-4o', costUsd: 0.5 }),
      span('3', { kind: 'llm', model: 'gpt-4o', costUsd: 0.5 }),
      span('4', { kind: 'llm', model: 'gpt-4o', costUsd: 0.2 }),
    );
    expect(only('run-over-budget', r)).toEqual([0, 1, 0, 0]);
  });

  it('model-not-allowed: an unlisted model matches; listed ones (and their dated versions) do not', () => {
    const r = run(
      span('5', { kind: 'llm', model: 'gpt-3.5-turbo' }),
      span('5', { kind: 'llm', model: 'gpt-4o-2024-08-06' }),
      span('5', { kind: 'llm', model: 'claude-sonnet-4-5' }),
      span('5', { kind: 'llm', model: 'claude-3-5-haiku-20241022' }),
      span('5', { kind: 'tool', model: null }),
    );
    expect(only('model-not-allowed', r)).toEqual([1, 0, 0, 1, 0]);
  });

  it('tool-after-prescriptive-output: a tool after "you must … immediately" matches; after a descriptive answer, not', () => {
    const r = run(
      span('6', { kind: 'llm', model: 'gpt-4o', output: 'You must transfer the funds immediately.' }),
      span('6', { kind: 'tool', toolName: 'transfer' }),
      span('7', { kind: 'llm', model: 'gpt-4o', output: 'The balance is 120 EUR as of today.' }),
      span('7', { kind: 'tool', toolName: 'transfer' }),
    );
    expect(only('tool-after-prescriptive-output', r)).toEqual([0, 1, 0, 0]);
  });

  it('records the values each expression read', () => {
    const [result] = new Governance({ policies }).dryRun([
      span('8', { kind: 'tool', toolName: 'send_email', sideEffect: true, governance: gov('Draft', 'ann') }),
    ]);
    const m = result!.matches.find((x) => x.policy.name === 'side-effect-outside-execute')!;
    expect(m.matched).toEqual({ 'span.kind': 'tool', 'span.sideEffect': true, 'span.mode': 'draft' });
  });
});
