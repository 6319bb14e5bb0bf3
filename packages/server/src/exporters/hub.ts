import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { EXPORT_SIGNALS, type ExporterConfig, type ExportSignal } from '../config/index.js';
import type { IngestSink } from '../ingest/index.js';
import type { Logger } from '../logging/index.js';
import type { MetricPoint } from '../metrics/index.js';
import type { LogRecord, SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';
import { exporterMetrics } from './exporter-metrics.js';
import { ExportFilter } from './filter.js';
import { encodedFrame, FrameBuilder } from './records-codec.js';
import { createExporter } from './registry.js';
import { ExporterRunner, type ExporterStatus } from './runner.js';
import { type Shipper, ShippingThread } from './shipping-thread.js';
import type { Exporter, ExporterContext, FrameSignal, MetricSample } from './types.js';

/** Where every exporter keeps its queue: <dataDir>/exporters/<name>/. */
export const EXPORTERS_DIR = 'exporters';

export interface ExporterHubOptions {
  exporters: readonly ExporterConfig[];
  dataDir: string;
  /** /metrics: the server's own registry. */
  registry: Registry;
  logger: Logger;
  /** Where secrets named by env come from. @default {} */
  env?: Record<string, string | undefined>;
  /** The derived metrics by project, for exporters that take samples (remote write). */
  samples?: () => Array<{ project: string; samples: MetricSample[] }>;
  /** Builds an exporter from its config (tests swap in their own; not with `thread`). @default the registry */
  create?: (config: ExporterConfig, ctx: ExporterContext) => Exporter;
  /**
   * Ship from a worker thread (shipping-thread.ts): queues, loops and requests off the ingest thread,
   * which keeps the staging, filters and encoding. @default false (the server turns it on)
   */
  thread?: boolean;
  /** Thread mode: frame bytes the worker may have in its inbox before flushes are dropped. @default 64 MiB */
  threadInboxBytes?: number;
}

interface Staged {
  project: string;
  spans: readonly SpanRecord[];
  logs: readonly LogRecord[];
  points: readonly MetricPoint[];
}

interface Route {
  /** The exporter as built here: its codec, signals and sampling interval (in thread mode it ships nothing). */
  exporter: Exporter;
  /** Its queue and shipping loop: here, or in the shipping thread. */
  shipper: Shipper;
  filter: ExportFilter;
  /** The filter and signals as text: exporters sharing a codec share frames only when these match. */
  filterKey: string;
  config: ExporterConfig;
  timer: NodeJS.Timeout | null;
}

/**
 * Every configured exporter, fed from ingest. Ingest's cost is a push onto a staging list: the records
 * (already redacted, and only spans newly stored) are encoded and appended to each exporter's disk queue
 * on the next turn of the event loop — off the request's path, so the client's answer never waits for
 * an exporter — and shipped by each exporter's own loop. The staging list is bounded
 * (queue.maxMemoryItems); a full one drops and counts, never blocks.
 */
export class ExporterHub {
  private readonly routes: Route[] = [];
  /** Inline: the runners (in thread mode they live in the worker). */
  private readonly runners: ExporterRunner[] = [];
  private readonly thread: ShippingThread | null = null;
  private staged: Staged[] = [];
  private stagedItems = 0;
  private flushScheduled = false;
  private readonly maxStaged: number;
  private closed = false;
  readonly sink: IngestSink;

  constructor(private readonly o: ExporterHubOptions) {
    const metrics = exporterMetrics(o.registry, () => {
      for (const r of this.routes) r.shipper.collect();
    });
    const ctx: ExporterContext = { env: o.env ?? {}, logger: o.logger };
    if (o.thread && o.create) throw new Error('ExporterHub: `create` builds exporters in this thread only');
    const create = o.create ?? createExporter;
    const enabled = o.exporters.filter((c) => c.enabled);
    // built here in both modes: a secret that cannot be read fails the start here, naming the exporter
    const exporters = enabled.map((config) => create(config, ctx));
    if (o.thread && enabled.length > 0) {
      this.thread = new ShippingThread({
        exporters: enabled,
        types: exporters.map((e) => e.type),
        dataDir: o.dataDir,
        env: o.env ?? {},
        logger: o.logger,
        metrics,
        maxInFlightBytes: o.threadInboxBytes,
      });
      // the worker builds its own; these only encode (their codec is a pure function)
      for (const e of exporters) void e.close?.();
    }
    enabled.forEach((config, i) => {
      const exporter = exporters[i];
      const signals = new Set<ExportSignal>(
        (config.signals ?? EXPORT_SIGNALS).filter((s) => exporter.signals.has(s)),
      );
      let shipper: Shipper;
      if (this.thread) shipper = this.thread.shippers[i];
      else {
        const runner = new ExporterRunner({
          exporter,
          config,
          dir: join(o.dataDir, EXPORTERS_DIR, config.name),
          metrics,
          logger: o.logger,
        });
        this.runners.push(runner);
        shipper = runner;
      }
      this.routes.push({
        exporter,
        shipper,
        filter: new ExportFilter(config.filter, signals),
        filterKey: JSON.stringify([config.filter, [...signals].sort()]),
        config,
        timer: null,
      });
    });
    this.maxStaged = Math.max(0, ...this.routes.map((r) => r.config.queue.maxMemoryItems));
    this.sink = {
      name: 'exporters',
      durable: false,
      consume: (batch: IngestBatch) => this.offer(batch.project, batch.spans, batch.logs, []),
    };
  }

  get size(): number {
    return this.routes.length;
  }

  /**
   * Starts the shipping loops and the derived-metric samplers. In thread mode it resolves once the
   * worker opened every queue (and rejects, naming the reason, when it could not).
   */
  async start(): Promise<void> {
    if (this.thread) await this.thread.start();
    for (const runner of this.runners) runner.start();
    for (const route of this.routes) {
      const every = route.exporter.samplesIntervalMs;
      if (every !== undefined && this.o.samples) {
        route.timer = setInterval(() => this.sample(route), every);
        route.timer.unref();
      }
    }
  }

  /** OTLP metric points as received on /v1/metrics (after they are stored). */
  offerPoints(project: string, points: readonly MetricPoint[]): void {
    if (points.length > 0) this.offer(project, [], [], points);
  }

  /** Each exporter's state (in thread mode as last reported: at most ~250 ms old). */
  status(): ExporterStatus[] {
    return this.routes.map((r) => r.shipper.status());
  }

  /**
   * Writes what is staged and stops every loop: no new attempt starts; an attempt in flight gets its
   * exporter's shutdownGraceMs to be answered (and acknowledged), else it is aborted and stays queued.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const r of this.routes) if (r.timer) clearInterval(r.timer);
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.thread?.stop();
  }

  /** Ingest's side: O(1), never throws, never waits. */
  private offer(
    project: string,
    spans: readonly SpanRecord[],
    logs: readonly LogRecord[],
    points: readonly MetricPoint[],
  ): void {
    if (this.closed || this.routes.length === 0) return;
    const items = spans.length + logs.length + points.length;
    if (items === 0) return;
    if (this.stagedItems + items > this.maxStaged) {
      // the event loop is starved so badly that flushes cannot keep up: shed, count, never block
      for (const r of this.routes) if (r.filter.takesProject(project)) r.shipper.dropped(items, 'queue_full');
      return;
    }
    this.staged.push({ project, spans, logs, points });
    this.stagedItems += items;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Staged records → one frame per (exporter, project, ≤ batch.maxItems) on each exporter's queue. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.staged.length === 0) return;
    const staged = this.staged;
    this.staged = [];
    this.stagedItems = 0;
    const now = Date.now();
    const builder = new FrameBuilder();
    const shared = new Map<string, Buffer>();
    for (const route of this.routes) {
      const byProject = new Map<string, { spans: SpanRecord[]; logs: LogRecord[]; points: MetricPoint[] }>();
      for (const s of staged) {
        const picked = route.filter.select(s.project, s.spans, s.logs, s.points);
        if (picked === null) continue;
        let acc = byProject.get(s.project);
        if (!acc) {
          acc = { spans: [], logs: [], points: [] };
          byProject.set(s.project, acc);
        }
        for (const r of picked.spans) acc.spans.push(r);
        for (const r of picked.logs) acc.logs.push(r);
        for (const r of picked.points) acc.points.push(r);
      }
      const max = route.config.batch.maxItems;
      for (const [project, acc] of byProject) {
        // chunks of at most batch.maxItems records: a frame is never split when shipped
        for (const [signal, records] of [
          ['spans', acc.spans],
          ['logs', acc.logs],
          ['points', acc.points],
        ] as const)
          for (let i = 0, n = records.length; i < n; i += max)
            this.append(route, builder, shared, project, signal, records.slice(i, i + max), i, now);
      }
    }
    // one message to the shipping thread per flush (its frames moved, not copied)
    this.thread?.post();
  }

  private append(
    route: Route,
    builder: FrameBuilder,
    shared: Map<string, Buffer>,
    project: string,
    signal: FrameSignal,
    records: SpanRecord[] | LogRecord[] | MetricPoint[],
    offset: number,
    now: number,
  ): void {
    try {
      const codec = route.exporter.codec;
      let frame: Buffer;
      if (codec) {
        // exporters with the same codec and filter get the same chunks: encode each once per flush
        const key = `${codec.key}\u0000${route.filterKey}\u0000${route.config.batch.maxItems}\u0000${project}\u0000${signal}\u0000${offset}`;
        const hit = shared.get(key);
        frame = hit ?? encodedFrame(project, signal, codec.encode(signal, records));
        if (!hit) shared.set(key, frame);
      } else
        frame = builder.frame({
          project,
          spans: signal === 'spans' ? (records as SpanRecord[]) : [],
          logs: signal === 'logs' ? (records as LogRecord[]) : [],
          points: signal === 'points' ? (records as MetricPoint[]) : [],
          samples: [],
        });
      route.shipper.append(frame, records.length, now);
    } catch (err) {
      // a full disk or a record that will not serialize: the exporter loses these, ingest goes on
      route.shipper.dropped(records.length, 'queue_full');
      this.o.logger.error({ err, exporter: route.config.name }, 'could not queue records for export');
    }
  }

  private sample(route: Route): void {
    if (this.closed || !this.o.samples) return;
    try {
      const now = Date.now();
      const builder = new FrameBuilder();
      const max = route.config.batch.maxItems;
      for (const { project, samples } of this.o.samples()) {
        if (!route.filter.takesProject(project)) continue;
        for (let i = 0; i < samples.length; i += max) {
          const chunk = samples.slice(i, i + max);
          route.shipper.append(
            builder.frame({ project, spans: [], logs: [], points: [], samples: chunk }),
            chunk.length,
            now,
          );
        }
      }
    } catch (err) {
      this.o.logger.error(
        { err, exporter: route.config.name },
        'could not sample the derived metrics for export',
      );
    }
    this.thread?.post();
  }
}
