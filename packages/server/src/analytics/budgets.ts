/**
 * Budgets (`budgets:` in the config) as alert rules: a budget is a threshold rule on the span measure
 * `cost` over its window, grouped by user or agent, so the alerting engine evaluates it with the other
 * span-measure rules (one batched scan per group-by column) and routes, silences and notifies it the
 * same way. Pure: the server adds these rules to `alerts.rules` at start and on reload.
 */
import type { AlertRule, Budget } from '@witness/protocol';

export function budgetRules(budgets: readonly Budget[]): AlertRule[] {
  return budgets.map((b) => ({
    kind: 'threshold',
    name: b.name,
    project: b.project,
    query: { metric: 'cost', groupBy: b.by, ...(b.agent !== undefined ? { agent: b.agent } : {}) },
    window: b.window,
    op: '>=',
    threshold: b.limitUsd,
    ...(b.for !== undefined ? { for: b.for } : {}),
    labels: { ...b.labels, budget: b.name },
    annotations: {
      summary: `${b.by} {{ $labels.${b.by} }} spent {{ $value }} USD of the ${b.limitUsd} USD budget ${b.name}`,
    },
  }));
}

/** The alerting config with the budgets' rules added after the configured rules. */
export function withBudgetRules<A extends { rules: AlertRule[] }>(
  alerts: A,
  budgets: readonly Budget[] | undefined,
): A {
  if (!budgets || budgets.length === 0) return alerts;
  return { ...alerts, rules: [...alerts.rules, ...budgetRules(budgets)] };
}
