import { dashboard } from './grafana.js';

const R = '$__rate_interval';

/** Witness watching itself: ingest, refusals, latency, queue, store, audit, metrics cardinality, runtime. */
export const selfMonitoring = dashboard({
  uid: 'witness-self',
  title: 'Witness / Self-monitoring',
  description:
    'Ingest throughput and refusals, batch and commit latency, queue saturation, store and audit size, series overflow, Node runtime.',
  tags: ['self'],
  variables: [{ name: 'instance', label: 'Instance', metric: 'witness_build_info' }],
  panels: [
    {
      title: 'Up',
      type: 'stat',
      w: 6,
      h: 5,
      targets: [{ expr: 'sum(up{job="witness",instance=~"$instance"})', instant: true }],
    },
    {
      title: 'Version',
      type: 'stat',
      w: 6,
      h: 5,
      targets: [{ expr: 'witness_build_info{instance=~"$instance"}', legend: '{{version}}', instant: true }],
    },
    {
      title: 'Store size',
      type: 'stat',
      w: 6,
      h: 5,
      unit: 'bytes',
      targets: [{ expr: 'sum(witness_store_size_bytes{instance=~"$instance"})', instant: true }],
    },
    {
      title: 'Audit checkpoint age',
      type: 'stat',
      w: 6,
      h: 5,
      unit: 's',
      threshold: 3600,
      targets: [
        {
          expr: 'time() - max(witness_audit_last_checkpoint_timestamp_seconds{instance=~"$instance"})',
          instant: true,
        },
      ],
    },
    {
      title: 'Received / s',
      unit: 'reqps',
      targets: [
        {
          expr: `sum(rate(witness_ingest_spans_received_total{instance=~"$instance"}[${R}]))`,
          legend: 'spans',
        },
        {
          expr: `sum(rate(witness_ingest_logs_received_total{instance=~"$instance"}[${R}]))`,
          legend: 'logs',
        },
        {
          expr: `sum(rate(witness_ingest_metric_points_received_total{instance=~"$instance"}[${R}]))`,
          legend: 'metric points',
        },
      ],
    },
    {
      title: 'Refused / s by signal and reason',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (signal, reason) (rate(witness_ingest_rejected_total{instance=~"$instance"}[${R}]))`,
          legend: '{{signal}} {{reason}}',
        },
      ],
    },
    {
      title: 'Batch and commit latency p99',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.99, sum by (le, signal) (rate(witness_ingest_batch_duration_seconds_bucket{instance=~"$instance"}[${R}])))`,
          legend: 'batch {{signal}}',
        },
        {
          expr: `histogram_quantile(0.99, sum by (le) (rate(witness_store_commit_duration_seconds_bucket{instance=~"$instance"}[${R}])))`,
          legend: 'commit',
        },
      ],
    },
    {
      title: 'Ingest queue',
      targets: [
        { expr: 'sum(witness_ingest_queue_depth{instance=~"$instance"})', legend: 'in flight' },
        { expr: 'sum(witness_ingest_queue_capacity{instance=~"$instance"})', legend: 'capacity' },
      ],
    },
    {
      title: 'Store rows',
      targets: [
        { expr: 'sum(witness_store_spans{instance=~"$instance"})', legend: 'spans' },
        { expr: 'sum(witness_store_logs{instance=~"$instance"})', legend: 'logs' },
      ],
    },
    {
      title: 'Audit log',
      targets: [{ expr: 'sum(witness_audit_log_entries{instance=~"$instance"})', legend: 'entries' }],
    },
    {
      title: 'Derived series by metric, and folded updates / s',
      targets: [
        { expr: 'topk(10, witness_metrics_series{instance=~"$instance"})', legend: '{{metric}}' },
        {
          expr: `sum by (metric) (rate(witness_metrics_series_folded_total{instance=~"$instance"}[${R}])) > 0`,
          legend: 'folded {{metric}}',
        },
      ],
    },
    {
      title: 'Non-durable sink errors / s',
      targets: [
        {
          expr: `sum by (sink) (rate(witness_ingest_sink_errors_total{instance=~"$instance"}[${R}]))`,
          legend: '{{sink}}',
        },
      ],
    },
    {
      title: 'Event loop lag p99',
      unit: 's',
      targets: [{ expr: 'max(nodejs_eventloop_lag_p99_seconds{instance=~"$instance"})', legend: 'p99' }],
    },
    {
      title: 'CPU',
      unit: 'percentunit',
      targets: [
        { expr: `sum(rate(process_cpu_seconds_total{instance=~"$instance"}[${R}]))`, legend: 'cores' },
      ],
    },
    {
      title: 'Memory',
      unit: 'bytes',
      targets: [
        { expr: 'sum(process_resident_memory_bytes{instance=~"$instance"})', legend: 'resident' },
        { expr: 'sum(nodejs_heap_size_used_bytes{instance=~"$instance"})', legend: 'heap used' },
        // bounded by store.duckdb.memoryLimit: resident minus this is what the leak self-check fits
        { expr: 'sum(witness_store_memory_bytes{instance=~"$instance"})', legend: 'DuckDB' },
        { expr: 'sum(witness_store_memory_limit_bytes{instance=~"$instance"})', legend: 'DuckDB limit' },
      ],
    },
    {
      title: 'GC time / s by kind',
      unit: 's',
      targets: [
        {
          expr: `sum by (kind) (rate(nodejs_gc_duration_seconds_sum{instance=~"$instance"}[${R}]))`,
          legend: '{{kind}}',
        },
      ],
    },
  ],
});
