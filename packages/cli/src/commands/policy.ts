import { readFileSync } from 'node:fs';
import { Governance, type PolicySpec, policySpec, spansFromSample } from '@witness/server';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';

/**
 * `witness policy test`: dry-runs policies against recorded spans (what `GET /api/traces/{id}` returns)
 * and prints which match, for reviewing a policy change before it is deployed. The spans go through the
 * same code as ingest (prescriptive detection, running trace totals in start order, the CEL policies).
 */

/** A policy file: `policies: [...]`, a whole config (`governance: {policies: [...]}`) or a bare list. */
export function readPolicyFile(text: string, file: string): PolicySpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${file} is not valid YAML: ${(err as Error).message}`);
  }
  const list =
    (doc as { governance?: { policies?: unknown } })?.governance?.policies ??
    (doc as { policies?: unknown })?.policies ??
    doc;
  const parsed = policySpec.array().safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: policies.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export interface PolicyTestResult {
  policy: string;
  severity: string;
  action: string;
  matches: Array<{ traceId: string; spanId: string; span: string; matched: Record<string, unknown> }>;
}

export function testPolicies(
  policies: PolicySpec[],
  sample: unknown,
): { spans: number; results: PolicyTestResult[] } {
  const governance = new Governance({ policies });
  const spans = spansFromSample(sample);
  const results = new Map<string, PolicyTestResult>(
    governance.policies.map((p) => [
      p.name,
      { policy: p.name, severity: p.severity, action: p.action, matches: [] },
    ]),
  );
  for (const { span, matches } of governance.dryRun(spans))
    for (const m of matches)
      results
        .get(m.policy.name)!
        .matches.push({ traceId: span.traceId, spanId: span.spanId, span: span.name, matched: m.matched });
  return { spans: spans.length, results: [...results.values()] };
}

export function registerPolicy(program: Command): void {
  const cmd = program.command('policy').description('Governance policies (CEL; docs/governance.md)');
  cmd
    .command('test')
    .description('Dry-run policies against recorded spans and print which match (nothing is stored)')
    .requiredOption('--policy <file>', 'YAML with `policies: [...]` (or a whole witness.yaml)')
    .requiredOption(
      '--spans <file>',
      'JSON: a trace as GET /api/traces/{id} returns it, a list of such traces, or a list of spans',
    )
    .option('--json', 'print the result as JSON')
    .action((flags: { policy: string; spans: string; json?: boolean }) => {
      let policies: PolicySpec[];
      let sample: unknown;
      try {
        policies = readPolicyFile(readFileSync(flags.policy, 'utf8'), flags.policy);
        sample = JSON.parse(readFileSync(flags.spans, 'utf8'));
      } catch (err) {
        console.error(`witness policy test: ${(err as Error).message}`);
        process.exitCode = 2;
        return;
      }
      let out: ReturnType<typeof testPolicies>;
      try {
        out = testPolicies(policies, sample);
      } catch (err) {
        console.error(`witness policy test: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const lines = [`${out.spans} spans, ${out.results.length} policies`];
      for (const r of out.results) {
        lines.push(
          `${r.matches.length > 0 ? 'MATCH   ' : 'no match'} ${r.policy} (${r.severity}, ${r.action}): ${r.matches.length} span(s)`,
        );
        for (const m of r.matches)
          lines.push(`    ${m.traceId}/${m.spanId} ${m.span} ${JSON.stringify(m.matched)}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
