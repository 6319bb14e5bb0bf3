import snappy from 'snappyjs';
import type { ExporterConfig, ExportSignal } from '../../config/index.js';
import type { MetricPoint } from '../../metrics/index.js';
import type { AttrValue } from '../../model/index.js';
import { sendHttp } from '../http-send.js';
import { resolveHeaders } from '../secrets.js';
import type {
  ExportBatch,
  Exporter,
  ExporterContext,
  ExportResult,
  MetricSample,
  SendContext,
} from '../types.js';
import { WriteRequest } from './remote-write-proto.js';

export type RemoteWriteExporterConfig = Extract<ExporterConfig, { type: 'prometheus_remote_write' }>;

interface Series {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number }>;
}

/** Prometheus metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* (OTLP's dots become underscores). */
export function promName(s: string): string {
  const n = s.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(n) ? n : `_${n}`;
}

const labelValue = (v: AttrValue): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * OTLP metric points as samples: gauges and sums as one series each, histograms as `_count`, `_sum`
 * and cumulative `_bucket{le}` series (what Prometheus's own OTLP receiver writes); exponential
 * histograms and summaries as `_count` and `_sum` (their buckets have no classic form).
 */
export function pointSamples(project: string, points: readonly MetricPoint[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const p of points) {
    const labels: Record<string, string> = { project, service_name: p.serviceName };
    for (const k in p.attributes) labels[promName(k)] = labelValue(p.attributes[k]);
    const ts = Number(p.timeUnixNano / 1_000_000n);
    const name = promName(p.metric);
    if (p.type === 'gauge' || p.type === 'sum') {
      if (p.value !== null) out.push({ name, labels, value: p.value, timestampMs: ts });
      continue;
    }
    if (p.count !== null) out.push({ name: `${name}_count`, labels, value: p.count, timestampMs: ts });
    if (p.sum !== null) out.push({ name: `${name}_sum`, labels, value: p.sum, timestampMs: ts });
    if (p.type === 'histogram' && p.bounds && p.bucketCounts) {
      let cumulative = 0;
      for (let i = 0; i < p.bucketCounts.length; i++) {
        cumulative += p.bucketCounts[i];
        const le = i < p.bounds.length ? String(p.bounds[i]) : '+Inf';
        out.push({ name: `${name}_bucket`, labels: { ...labels, le }, value: cumulative, timestampMs: ts });
      }
    }
  }
  return out;
}

/** Samples → WriteRequest series: one series per distinct label set, samples in time order. */
export function toSeries(samples: readonly MetricSample[], external: Record<string, string>): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of samples) {
    const all: Record<string, string> = { ...external, ...s.labels, __name__: s.name };
    const names = Object.keys(all).sort();
    const key = names.map((n) => `${n}\u0000${all[n]}`).join('\u0001');
    let series = byKey.get(key);
    if (!series) {
      series = { labels: names.map((name) => ({ name, value: all[name] })), samples: [] };
      byKey.set(key, series);
    }
    series.samples.push({ value: s.value, timestamp: s.timestampMs });
  }
  for (const s of byKey.values()) s.samples.sort((a, b) => a.timestamp - b.timestamp);
  return [...byKey.values()];
}

export function encodeWriteRequest(series: Series[]): Uint8Array {
  const pb = WriteRequest.encode(WriteRequest.fromObject({ timeseries: series })).finish();
  return snappy.compress(pb);
}

/**
 * Prometheus remote write (1.0: protobuf + snappy block format) of Witness's derived metrics (sampled
 * every `intervalMs`, as a scrape would) and of the OTLP metric points received. Any receiver of the
 * protocol takes it: Prometheus with --web.enable-remote-write-receiver, Mimir, Cortex, Thanos
 * receive, VictoriaMetrics, Grafana Cloud.
 */
export function createRemoteWriteExporter(config: RemoteWriteExporterConfig, ctx: ExporterContext): Exporter {
  const headers = {
    ...resolveHeaders(config.name, config.headers, config.secretHeaders, ctx.env),
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
    'user-agent': 'witness-exporter',
  };
  return {
    name: config.name,
    type: 'prometheus_remote_write',
    signals: new Set<ExportSignal>(['metrics']),
    samplesIntervalMs: config.intervalMs,
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      const samples =
        batch.points.length > 0
          ? [...batch.samples, ...pointSamples(batch.project, batch.points)]
          : batch.samples;
      if (samples.length === 0) return { kind: 'success' };
      return sendHttp(
        { url: config.url, headers, body: encodeWriteRequest(toSeries(samples, config.externalLabels)) },
        signal,
      );
    },
  };
}
