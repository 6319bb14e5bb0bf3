/**
 * SLOs and governance policies that `witness serve --demo` adds when the configuration has none, so
 * the SLO, alert and governance pages have something to evaluate against the demo agents' data
 * (docs/demo.md). A configuration that defines its own SLOs or policies keeps exactly those.
 */
import type { ConfigInput } from '@witness/server';

type Slos = NonNullable<ConfigInput['slos']>;
type Policies = NonNullable<NonNullable<ConfigInput['governance']>['policies']>;

/**
 * Burn-rate pairs sized to the demo's incidents: the base failure rate burns ~1× the budget, an error
 * burst ~3× over 5 minutes and ~2× over the hour (the workbook's 14.4× would never fire on a demo).
 */
const DEMO_PAIRS = [
  { severity: 'page' as const, long: '1h', short: '5m', factor: 1.5 },
  { severity: 'ticket' as const, long: '6h', short: '30m', factor: 1 },
];

export const DEMO_SLOS: Slos = [
  {
    name: 'web-search-availability',
    description: 'web_search succeeds (the error burst incident spends this budget)',
    sli: { kind: 'error_ratio', spans: { kind: 'tool', tool: 'web_search' } },
    objective: 0.9,
    window: '1d',
    alerting: { pairs: DEMO_PAIRS },
  },
  {
    name: 'llm-latency-5s',
    description: 'LLM calls answer within 5 s (the latency spike incident spends this budget)',
    sli: { kind: 'latency', spans: { kind: 'llm' }, thresholdMs: 5_000 },
    objective: 0.97,
    window: '1d',
    alerting: { pairs: DEMO_PAIRS },
  },
  {
    name: 'planner-runs-succeed',
    description: 'Agent runs of the planner finish without error',
    sli: { kind: 'error_ratio', spans: { kind: 'agent', agent: 'planner' } },
    objective: 0.8,
    window: '1d',
    alerting: { pairs: DEMO_PAIRS },
  },
];

export const DEMO_POLICIES: Policies = [
  {
    name: 'autonomous-side-effect',
    description: 'A tool with side effects ran while the agent was autonomous (no human in or on the loop).',
    expression: 'span.kind == "tool" && span.sideEffect && span.mode == "autonomous"',
    severity: 'high',
    action: 'alert',
  },
  {
    name: 'run-over-budget',
    description: 'A run crossed $0.50 of LLM cost (the cost outlier incident).',
    expression: 'trace.costUsd > 0.5 && trace.costUsd - span.costUsd <= 0.5',
    severity: 'medium',
    action: 'record',
  },
  {
    name: 'runaway-tool-loop',
    description: 'A run reached 30 tool calls (the runaway loop incident).',
    expression: 'span.kind == "tool" && trace.toolCalls == 30',
    severity: 'medium',
    action: 'alert',
  },
];

/** The demo's SLOs and policies for the sections the loaded configuration leaves empty. */
export function demoConfigOverrides(loaded: {
  slos: unknown[];
  governance: { policies: unknown[] };
}): ConfigInput {
  const out: ConfigInput = {};
  if (loaded.slos.length === 0) out.slos = DEMO_SLOS;
  if (loaded.governance.policies.length === 0) out.governance = { policies: DEMO_POLICIES };
  return out;
}
