/**
 * The exporters' shipping side in a worker thread: the disk queues, the shipping loops and every
 * request to a target (HTTP, gRPC, the AWS SDK) run there, so the thread that ingests only stages,
 * filters and encodes. On that thread the shipping cost ~5% of its busy time at bench:exporters' load
 * (the queue's writes, grpc-js, the HTTP client, their garbage); ingest is bound by that one thread,
 * so this is throughput ingest gets back. What crosses: each flush's frames (moved, not copied, when
 * they own their memory), and back every ~250 ms or after an attempt, each exporter's status and the
 * counter and histogram changes, applied here to the /metrics series.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExporterConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { type ExporterMetrics, RELAYED_METRICS, type RelayedMetric } from './exporter-metrics.js';
import type { ExporterStatus } from './runner.js';

/** What the hub needs of one exporter's shipping side: an ExporterRunner, or its stand-in here. */
export interface Shipper {
  append(frame: Buffer, items: number, timeMs: number): void;
  dropped(items: number, reason: 'queue_full' | 'corrupt'): void;
  status(): ExporterStatus;
  /** Sets the queue gauges (at /metrics collect). */
  collect(): void;
}

/** One counter increment or histogram observation made in the worker. */
export type MetricOp = [metric: RelayedMetric, labels: Record<string, string>, value: number];

export interface ShippingWorkerData {
  exporters: ExporterConfig[];
  dataDir: string;
  env: Record<string, string | undefined>;
  logLevel: string;
}

export type ToWorker =
  | { t: 'start' }
  | {
      t: 'append';
      frames: Uint8Array[];
      /** [exporter index, frame index, records, enqueue time] */
      appends: Array<[number, number, number, number]>;
      /** The frames' bytes (reported back as applied once appended). */
      bytes: number;
    }
  | { t: 'dropped'; route: number; items: number; reason: 'queue_full' | 'corrupt' }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'ready'; statuses: ExporterStatus[] }
  | { t: 'failed'; message: string }
  | { t: 'report'; statuses: ExporterStatus[]; ops: MetricOp[]; applied: number }
  | { t: 'log'; line: string }
  | { t: 'stopped' };

/**
 * The worker: the built shipping-worker.js next to this file, or — running from the TypeScript source
 * (tests, tsx) — shipping-worker.ts behind tsx's loader, registered in the worker first (a worker's
 * `--import` does not reach its entry in Node 20).
 */
function startWorker(workerData: ShippingWorkerData): Worker {
  const js = new URL('./shipping-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData });
  const ts = new URL('./shipping-worker.ts', import.meta.url).href;
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Frame bytes posted to the worker and not yet appended to its queues: past this a flush is dropped and
 * counted (queue_full), as a full queue would. Only a worker stalled for seconds gets here; its
 * inbox is otherwise a flush or two.
 */
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

/** pino's numeric levels, for the worker's log lines written again through this thread's logger. */
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export class ShippingThread {
  private readonly worker: Worker;
  private statuses: ExporterStatus[];
  private readonly frames: Uint8Array[] = [];
  private readonly frameIndex = new Map<Uint8Array, number>();
  private appends: Array<[number, number, number, number]> = [];
  private readonly ready: Promise<void>;
  /** Resolves `ready` (the worker opened its queues) or rejects it (it could not, or exited first). */
  private settleReady: (err?: Error) => void = () => {};
  private stopped: Promise<void> | null = null;
  private onStopped: (() => void) | null = null;
  private exited = false;
  /** Frame bytes sent to the worker, and those it reported appended: the difference is in its inbox. */
  private posted = 0;
  private applied = 0;
  readonly shippers: Shipper[];

  constructor(
    private readonly o: {
      exporters: readonly ExporterConfig[];
      /** The types of the exporters, by index (for the status before the worker's first report). */
      types: readonly string[];
      dataDir: string;
      env: Record<string, string | undefined>;
      logger: Logger;
      metrics: ExporterMetrics;
      /** @default MAX_IN_FLIGHT_BYTES */
      maxInFlightBytes?: number;
    },
  ) {
    this.worker = startWorker({
      exporters: [...o.exporters],
      dataDir: o.dataDir,
      env: o.env,
      logLevel: o.logger.level,
    });
    this.statuses = o.exporters.map((c, i) => initialStatus(c, o.types[i]));
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (err) => (err ? reject(err) : resolve());
    });
    this.ready.catch(() => {});
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (err) =>
      o.logger.error(
        { err },
        "the exporters' shipping thread failed: nothing more is shipped until a restart",
      ),
    );
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.settleReady(new Error(`the exporters' shipping thread exited (code ${code}) before it was ready`));
      this.onStopped?.();
    });
    this.shippers = o.exporters.map((_, i) => this.shipper(i));
  }

  /** Resolves once every queue is open and every exporter built (rejects with the reason otherwise). */
  async start(): Promise<void> {
    await this.ready;
    this.send({ t: 'start' });
  }

  /** Sends the frames appended since the last call: one message per flush. */
  post(): void {
    if (this.appends.length === 0) return;
    const frames = this.frames.splice(0);
    const appends = this.appends;
    this.appends = [];
    this.frameIndex.clear();
    const bytes = frames.reduce((n, f) => n + f.byteLength, 0);
    if (
      this.exited ||
      this.posted - this.applied + bytes > (this.o.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES)
    ) {
      // the worker is behind (or gone): its message queue is bounded too — shed, count, never block
      for (const [route, , items] of appends) this.shippers[route]?.dropped(items, 'queue_full');
      return;
    }
    this.posted += bytes;
    // a frame that owns its whole ArrayBuffer is moved; a small one sharing Node's pool is copied
    const transfer = frames
      .filter((f) => f.byteOffset === 0 && f.byteLength === f.buffer.byteLength)
      .map((f) => f.buffer as ArrayBuffer);
    this.send({ t: 'append', frames, appends, bytes }, transfer);
  }

  /** Lets the loops finish their attempts in flight (their grace) and closes the queues. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.onStopped = resolve;
      this.post();
      this.send({ t: 'stop' });
    }).then(() => this.worker.terminate().then(() => {}));
    return this.stopped;
  }

  private shipper(route: number): Shipper {
    return {
      append: (frame, items, timeMs) => {
        let index = this.frameIndex.get(frame);
        if (index === undefined) {
          index = this.frames.push(frame) - 1;
          this.frameIndex.set(frame, index);
        }
        this.appends.push([route, index, items, timeMs]);
      },
      dropped: (items, reason) => this.send({ t: 'dropped', route, items, reason }),
      status: () => this.statuses[route],
      collect: () => {
        const s = this.statuses[route];
        const labels = { exporter: s.name, type: s.type };
        this.o.metrics.queueItems.set(labels, s.queue.records);
        this.o.metrics.queueBytes.set(labels, s.queue.bytes);
        this.o.metrics.queueAge.set(labels, s.queue.oldestAgeSeconds);
      },
    };
  }

  private send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.exited) this.worker.postMessage(m, transfer);
  }

  private receive(m: FromWorker): void {
    if (m.t === 'ready') {
      this.statuses = m.statuses;
      this.settleReady();
    } else if (m.t === 'failed') this.settleReady(new Error(m.message));
    else if (m.t === 'report') {
      this.statuses = m.statuses;
      this.applied = m.applied;
      for (const [metric, labels, value] of m.ops) {
        if (!RELAYED_METRICS.includes(metric)) continue;
        if (metric === 'latency') this.o.metrics.latency.observe(labels, value);
        else this.o.metrics[metric].inc(labels, value);
      }
    } else if (m.t === 'log') this.log(m.line);
    else if (m.t === 'stopped') this.onStopped?.();
  }

  /** A pino line of the worker's, logged again here (so one logger decides where lines go). */
  private log(line: string): void {
    try {
      const {
        level,
        msg,
        time: _t,
        pid: _p,
        hostname: _h,
        ...fields
      } = JSON.parse(line) as Record<string, unknown>;
      const method = LEVELS[Number(level)] ?? 'info';
      this.o.logger[method](fields, String(msg ?? ''));
    } catch {
      this.o.logger.info({ line }, 'exporters');
    }
  }
}

function initialStatus(config: ExporterConfig, type: string): ExporterStatus {
  return {
    name: config.name,
    type,
    state: 'idle',
    queue: { records: 0, bytes: 0, oldestAgeSeconds: 0, maxBytes: config.queue.maxBytes },
    sent: 0,
    rejected: 0,
    failedAttempts: 0,
    dropped: 0,
    deadLettered: 0,
    attempt: 0,
    lastError: null,
    lastSuccessAt: null,
    nextAttemptAt: null,
  };
}
