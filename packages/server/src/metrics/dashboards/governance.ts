import { dashboard } from './grafana.js';

const R = '$__rate_interval';
const SEL = 'mode=~"$mode",workflow=~"$workflow"';

/**
 * Governance (team B's ~10 panels, generalised): request rate by mode, validation failures with an
 * alert threshold, p50/p95/p99 governed duration, outcome pie, audit growth, ingest refusals (auth and
 * others), in-flight gauge, mode/actor/workflow table, rate by workflow, policy violations by reason.
 */
export const governance = dashboard({
  uid: 'witness-governance',
  title: 'Witness / Governance',
  description:
    'Governed agent requests by mode, actor role, workflow and outcome; validation failures; audit log growth.',
  tags: ['governance', 'audit'],
  variables: [
    { name: 'mode', label: 'Mode', metric: 'witness_governance_requests_total' },
    { name: 'workflow', label: 'Workflow', metric: 'witness_governance_requests_total' },
  ],
  panels: [
    {
      title: 'Governed requests / s by mode',
      unit: 'reqps',
      stack: true,
      targets: [
        { expr: `sum by (mode) (rate(witness_governance_requests_total{${SEL}}[${R}]))`, legend: '{{mode}}' },
      ],
    },
    {
      title: 'Validation failures / s by reason',
      unit: 'reqps',
      threshold: 0.1,
      description:
        'Governed requests missing an actor, mode or workflow, or flagged by witness.governance.violation.',
      targets: [
        {
          expr: `sum by (reason) (rate(witness_governance_validation_failures_total[${R}]))`,
          legend: '{{reason}}',
        },
      ],
    },
    {
      title: 'Governed workflow duration p50 / p95 / p99',
      unit: 's',
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(witness_governance_duration_seconds_bucket{workflow=~"$workflow"}[${R}])))`,
        legend: `p${Math.round(q * 100)}`,
      })),
    },
    {
      title: 'Outcomes in the range',
      type: 'piechart',
      targets: [
        {
          expr: `sum by (outcome) (increase(witness_governance_outcomes_total{${SEL}}[$__range]))`,
          legend: '{{outcome}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Audit log entries (growth / min)',
      targets: [
        { expr: 'sum(deriv(witness_audit_log_entries[$__rate_interval])) * 60', legend: 'entries / min' },
      ],
    },
    {
      title: 'Ingest refused / s by reason (auth, limits, bad input)',
      unit: 'reqps',
      targets: [
        { expr: `sum by (reason) (rate(witness_ingest_rejected_total[${R}]))`, legend: '{{reason}}' },
      ],
    },
    {
      title: 'Requests in flight',
      type: 'gauge',
      w: 6,
      targets: [{ expr: 'sum(witness_ingest_queue_depth)', instant: true }],
    },
    {
      title: 'Audit log size',
      type: 'stat',
      w: 6,
      unit: 'bytes',
      targets: [{ expr: 'sum(witness_audit_log_size_bytes)', instant: true }],
    },
    {
      title: 'Requests by mode, actor role and workflow (range)',
      type: 'table',
      targets: [
        {
          expr: `sum by (mode, actor_role, workflow) (increase(witness_governance_requests_total{${SEL}}[$__range]))`,
          instant: true,
        },
      ],
    },
    {
      title: 'Governed requests / s by workflow',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (workflow) (rate(witness_governance_requests_total{${SEL}}[${R}]))`,
          legend: '{{workflow}}',
        },
      ],
    },
    {
      title: 'Policy violations / s by policy and severity',
      description: 'CEL policies of governance.policies that spans violated at ingest (docs/governance.md).',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (policy, severity) (rate(witness_governance_violations_total[${R}]))`,
          legend: '{{policy}} ({{severity}})',
        },
      ],
    },
    {
      title: 'Prescriptive language in LLM outputs / s by type',
      description: 'Directive, urgent, medical, financial and legal phrases found in LLM outputs.',
      unit: 'reqps',
      targets: [
        { expr: `sum by (type) (rate(witness_prescriptive_language_total[${R}]))`, legend: '{{type}}' },
      ],
    },
    {
      title: 'Denied or failed outcomes / s by workflow',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (workflow, outcome) (rate(witness_governance_outcomes_total{${SEL},outcome!~"success|ok|approved|allowed"}[${R}]))`,
          legend: '{{workflow}} {{outcome}}',
        },
      ],
    },
  ],
});
