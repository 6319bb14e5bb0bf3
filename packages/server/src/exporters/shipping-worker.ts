/**
 * The shipping thread's entry (shipping-thread.ts): every exporter's runner — disk queue, shipping
 * loop, target requests — built from the same configs as in the ingest thread, fed by its messages.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { ExporterMetrics, RelayedMetric } from './exporter-metrics.js';
import { EXPORTERS_DIR } from './hub.js';
import { createExporter } from './registry.js';
import { ExporterRunner } from './runner.js';
import type { FromWorker, MetricOp, ShippingWorkerData, ToWorker } from './shipping-thread.js';

/** How often the status and metric changes go back when nothing else sends them sooner. */
const REPORT_EVERY_MS = 250;

const port = parentPort;
if (!port) throw new Error('shipping-worker.ts runs as a worker thread (shipping-thread.ts)');
const data = workerData as ShippingWorkerData;
const send = (m: FromWorker) => port.postMessage(m);

// log lines go to the ingest thread's logger, which decides where they are written
const logger = pino(
  { level: data.logLevel, base: undefined },
  { write: (line: string) => send({ t: 'log', line }) },
);

let ops: MetricOp[] = [];
/** Frame bytes appended so far (the ingest thread bounds what it posts by what is not yet applied). */
let applied = 0;
let reportScheduled = false;
function scheduleReport(): void {
  if (reportScheduled) return;
  reportScheduled = true;
  // after the attempt's bookkeeping: the status and its counters travel together
  setImmediate(report);
}
const relay = (metric: RelayedMetric) => ({
  inc(labels: Record<string, string>, value = 1) {
    if (value === 0) return;
    ops.push([metric, { ...labels }, value]);
    scheduleReport();
  },
  observe(labels: Record<string, string>, value: number) {
    ops.push([metric, { ...labels }, value]);
    scheduleReport();
  },
});
const noGauge = { set() {} };
const metrics: ExporterMetrics = {
  sent: relay('sent'),
  rejected: relay('rejected'),
  failed: relay('failed'),
  dropped: relay('dropped'),
  deadLettered: relay('deadLettered'),
  latency: relay('latency'),
  // the queue gauges are set in the ingest thread from the reported status
  queueItems: noGauge,
  queueBytes: noGauge,
  queueAge: noGauge,
};

let runners: ExporterRunner[] = [];
try {
  runners = data.exporters.map(
    (config) =>
      new ExporterRunner({
        exporter: createExporter(config, { env: data.env, logger }),
        config,
        dir: join(data.dataDir, EXPORTERS_DIR, config.name),
        metrics,
        logger,
      }),
  );
  send({ t: 'ready', statuses: runners.map((r) => r.status()) });
} catch (err) {
  send({ t: 'failed', message: (err as Error).message });
}

function report(): void {
  reportScheduled = false;
  const batch = ops;
  ops = [];
  send({ t: 'report', statuses: runners.map((r) => r.status()), ops: batch, applied });
}
const timer = setInterval(report, REPORT_EVERY_MS);
timer.unref();

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start':
      for (const r of runners) r.start();
      return;
    case 'append': {
      const frames = m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
      for (const [route, frame, items, timeMs] of m.appends)
        runners[route]?.append(frames[frame], items, timeMs);
      applied += m.bytes;
      // the status must never lag behind an append: a poll that sees the queue empty after records
      // reached the target would otherwise read a report from before they were queued
      scheduleReport();
      return;
    }
    case 'dropped':
      runners[m.route]?.dropped(m.items, m.reason);
      return;
    case 'stop':
      clearInterval(timer);
      void Promise.all(runners.map((r) => r.stop())).then(() => {
        report();
        send({ t: 'stopped' });
      });
      return;
  }
});
