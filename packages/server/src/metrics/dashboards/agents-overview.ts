import { dashboard } from './grafana.js';

const R = '$__rate_interval';
const SEL = 'service=~"$service"';

/** What the agents do: request rate, errors and latency (RED) per service and kind, agent runs, decisions. */
export const agentsOverview = dashboard({
  uid: 'witness-agents',
  title: 'Witness / Agents overview',
  description:
    'Span-derived RED metrics per service and kind, agent runs and outcomes, decision confidence, active sessions and users.',
  tags: ['agents'],
  variables: [{ name: 'service', label: 'Service', metric: 'witness_spans_total' }],
  panels: [
    {
      title: 'Active sessions (5 min)',
      type: 'stat',
      w: 6,
      h: 5,
      targets: [{ expr: 'sum(witness_active_sessions)', instant: true }],
    },
    {
      title: 'Active users (5 min)',
      type: 'stat',
      w: 6,
      h: 5,
      targets: [{ expr: 'sum(witness_active_users)', instant: true }],
    },
    {
      title: 'Agent runs / s',
      type: 'stat',
      w: 6,
      h: 5,
      unit: 'reqps',
      targets: [{ expr: `sum(rate(witness_agent_runs_total[${R}]))`, instant: true }],
    },
    {
      title: 'Span error ratio',
      type: 'stat',
      w: 6,
      h: 5,
      unit: 'percentunit',
      threshold: 0.05,
      targets: [
        {
          expr: `sum(rate(witness_spans_total{${SEL},status="error"}[${R}])) / sum(rate(witness_spans_total{${SEL}}[${R}]))`,
          instant: true,
        },
      ],
    },
    {
      title: 'Spans / s by service and kind',
      unit: 'reqps',
      stack: true,
      targets: [
        {
          expr: `sum by (service, kind) (rate(witness_spans_total{${SEL}}[${R}]))`,
          legend: '{{service}} {{kind}}',
        },
      ],
    },
    {
      title: 'Error ratio by service',
      unit: 'percentunit',
      threshold: 0.05,
      targets: [
        {
          expr: `sum by (service) (rate(witness_spans_total{${SEL},status="error"}[${R}])) / sum by (service) (rate(witness_spans_total{${SEL}}[${R}]))`,
          legend: '{{service}}',
        },
      ],
    },
    {
      title: 'Span duration p50 / p95 / p99 by kind',
      unit: 's',
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, kind) (rate(witness_span_duration_seconds_bucket{${SEL}}[${R}])))`,
        legend: `p${Math.round(q * 100)} {{kind}}`,
      })),
    },
    {
      title: 'Slowest operations (p95)',
      type: 'table',
      unit: 's',
      targets: [
        {
          expr: `topk(10, histogram_quantile(0.95, sum by (le, service, operation) (rate(witness_operation_duration_seconds_bucket{${SEL}}[${R}]))))`,
          instant: true,
        },
      ],
    },
    {
      title: 'Agent runs / s by agent and outcome',
      unit: 'reqps',
      stack: true,
      targets: [
        {
          expr: `sum by (agent, outcome) (rate(witness_agent_runs_total[${R}]))`,
          legend: '{{agent}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Agent run duration p95',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (le, agent) (rate(witness_agent_run_duration_seconds_bucket[${R}])))`,
          legend: '{{agent}}',
        },
      ],
    },
    {
      title: 'Decision confidence (median and p10)',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [
        {
          expr: `histogram_quantile(0.5, sum by (le, agent) (rate(witness_decision_confidence_bucket[${R}])))`,
          legend: 'p50 {{agent}}',
        },
        {
          expr: `histogram_quantile(0.1, sum by (le, agent) (rate(witness_decision_confidence_bucket[${R}])))`,
          legend: 'p10 {{agent}}',
        },
      ],
    },
    {
      title: 'Decisions / s by agent',
      unit: 'reqps',
      targets: [
        { expr: `sum by (agent) (rate(witness_decision_confidence_count[${R}]))`, legend: '{{agent}}' },
      ],
    },
    {
      title: 'Log records / s by severity',
      unit: 'reqps',
      stack: true,
      targets: [
        { expr: `sum by (severity) (rate(witness_logs_total{${SEL}}[${R}]))`, legend: '{{severity}}' },
      ],
    },
    {
      title: 'Errors logged / s by service',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (service) (rate(witness_logs_total{${SEL},severity=~"error|fatal"}[${R}]))`,
          legend: '{{service}}',
        },
      ],
    },
  ],
});
