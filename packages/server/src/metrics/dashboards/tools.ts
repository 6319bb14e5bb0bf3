import { dashboard } from './grafana.js';

const R = '$__rate_interval';
const SEL = 'tool=~"$tool"';

/** Tool calls, errors and latency by tool. */
export const tools = dashboard({
  uid: 'witness-tools',
  title: 'Witness / Tools',
  description: 'Tool calls, error ratio and latency by tool.',
  tags: ['tools'],
  variables: [{ name: 'tool', label: 'Tool', metric: 'witness_tool_calls_total' }],
  panels: [
    {
      title: 'Tool calls / s by tool',
      unit: 'reqps',
      stack: true,
      targets: [{ expr: `sum by (tool) (rate(witness_tool_calls_total{${SEL}}[${R}]))`, legend: '{{tool}}' }],
    },
    {
      title: 'Tool error ratio by tool',
      unit: 'percentunit',
      threshold: 0.2,
      targets: [
        {
          expr: `sum by (tool) (rate(witness_tool_calls_total{${SEL},status="error"}[${R}])) / sum by (tool) (rate(witness_tool_calls_total{${SEL}}[${R}]))`,
          legend: '{{tool}}',
        },
      ],
    },
    {
      title: 'Tool latency p50 / p95 / p99',
      unit: 's',
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, tool) (rate(witness_tool_call_duration_seconds_bucket{${SEL}}[${R}])))`,
        legend: `p${Math.round(q * 100)} {{tool}}`,
      })),
    },
    {
      title: 'Failing tools in the range',
      type: 'table',
      targets: [
        {
          expr: `topk(10, sum by (tool) (increase(witness_tool_calls_total{${SEL},status="error"}[$__range])))`,
          instant: true,
        },
      ],
    },
    {
      title: 'Calls by tool in the range',
      type: 'piechart',
      targets: [
        {
          expr: `sum by (tool) (increase(witness_tool_calls_total{${SEL}}[$__range]))`,
          legend: '{{tool}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Mean tool latency',
      unit: 's',
      targets: [
        {
          expr: `sum by (tool) (rate(witness_tool_call_duration_seconds_sum{${SEL}}[${R}])) / sum by (tool) (rate(witness_tool_call_duration_seconds_count{${SEL}}[${R}]))`,
          legend: '{{tool}}',
        },
      ],
    },
  ],
});
