import { dashboard } from './grafana.js';

const R = '$__rate_interval';
const SEL = 'model=~"$model",provider=~"$provider"';

/** LLM calls, latency, time to first token, tokens and cost by model, user and agent. */
export const llmUsage = dashboard({
  uid: 'witness-llm',
  title: 'Witness / LLM tokens and cost',
  description:
    'LLM calls, latency and time to first token, tokens by type and cost in USD by model, provider, user and agent.',
  tags: ['llm', 'cost'],
  variables: [
    { name: 'provider', label: 'Provider', metric: 'witness_llm_requests_total' },
    { name: 'model', label: 'Model', metric: 'witness_llm_requests_total' },
  ],
  panels: [
    {
      title: 'Cost in the range (USD)',
      type: 'stat',
      w: 8,
      h: 5,
      unit: 'currencyUSD',
      targets: [{ expr: `sum(increase(witness_llm_cost_usd_total{${SEL}}[$__range]))`, instant: true }],
    },
    {
      title: 'Tokens in the range',
      type: 'stat',
      w: 8,
      h: 5,
      targets: [{ expr: `sum(increase(witness_llm_tokens_total{${SEL}}[$__range]))`, instant: true }],
    },
    {
      title: 'LLM error ratio',
      type: 'stat',
      w: 8,
      h: 5,
      unit: 'percentunit',
      threshold: 0.05,
      targets: [
        {
          expr: `sum(rate(witness_llm_requests_total{${SEL},status="error"}[${R}])) / sum(rate(witness_llm_requests_total{${SEL}}[${R}]))`,
          instant: true,
        },
      ],
    },
    {
      title: 'Cost per hour by model (USD)',
      unit: 'currencyUSD',
      stack: true,
      targets: [
        {
          expr: `sum by (model) (rate(witness_llm_cost_usd_total{${SEL}}[${R}])) * 3600`,
          legend: '{{model}}',
        },
      ],
    },
    {
      title: 'Tokens / s by model and type',
      stack: true,
      targets: [
        {
          expr: `sum by (model, type) (rate(witness_llm_tokens_total{${SEL}}[${R}]))`,
          legend: '{{model}} {{type}}',
        },
      ],
    },
    {
      title: 'LLM calls / s by model',
      unit: 'reqps',
      targets: [
        { expr: `sum by (model) (rate(witness_llm_requests_total{${SEL}}[${R}]))`, legend: '{{model}}' },
      ],
    },
    {
      title: 'LLM latency p50 / p95 by model',
      unit: 's',
      targets: [0.5, 0.95].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, model) (rate(witness_llm_request_duration_seconds_bucket{${SEL}}[${R}])))`,
        legend: `p${Math.round(q * 100)} {{model}}`,
      })),
    },
    {
      title: 'Time to first token p95 by model',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (le, model) (rate(witness_llm_time_to_first_token_seconds_bucket{${SEL}}[${R}])))`,
          legend: '{{model}}',
        },
      ],
    },
    {
      title: 'Cache-read share of input tokens',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum by (model) (rate(witness_llm_tokens_total{${SEL},type="cache_read"}[${R}])) / sum by (model) (rate(witness_llm_tokens_total{${SEL},type="input"}[${R}]))`,
          legend: '{{model}}',
        },
      ],
    },
    {
      title: 'Top users by cost in the range (USD)',
      type: 'table',
      unit: 'currencyUSD',
      targets: [
        {
          expr: 'topk(10, sum by (user) (increase(witness_user_llm_cost_usd_total[$__range])))',
          instant: true,
        },
      ],
    },
    {
      title: 'Cost by agent in the range (USD)',
      type: 'piechart',
      unit: 'currencyUSD',
      targets: [
        {
          expr: 'sum by (agent) (increase(witness_agent_llm_cost_usd_total[$__range]))',
          legend: '{{agent}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Tokens / s by agent',
      stack: true,
      targets: [{ expr: `sum by (agent) (rate(witness_agent_llm_tokens_total[${R}]))`, legend: '{{agent}}' }],
    },
    {
      title: 'Tokens / s by user (top 10)',
      targets: [
        { expr: `topk(10, sum by (user) (rate(witness_user_llm_tokens_total[${R}])))`, legend: '{{user}}' },
      ],
    },
  ],
});
