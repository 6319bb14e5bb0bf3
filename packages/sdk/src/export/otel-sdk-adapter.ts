import type { Context } from '@opentelemetry/api';
import { batchShape, exporterShape, problemsOf, WitnessConfigError } from '../options/index.js';
import type { ReadableSpanLike } from '../trace/types.js';
import { BatchSpanProcessor, type BatchSpanProcessorOptions } from './batch-span-processor.js';
import { OtlpTraceExporter, type OtlpTraceExporterOptions } from './otlp-trace-exporter.js';

/**
 * Adapters that add Witness export to an existing OpenTelemetry SDK setup, without this package
 * depending on the SDK: the shapes are the SDK's SpanProcessor / SpanExporter interfaces, duck-typed.
 */

/** Setup-time, so a bad option throws (`WitnessConfigError`), naming which argument it is in. */
function checkAdapterOptions(where: string, exporter: unknown, batch: unknown): void {
  const problems = [
    ...problemsOf(exporter, exporterShape).map((p) => `exporter options: ${p}`),
    ...problemsOf(batch, batchShape).map((p) => `batch options: ${p}`),
  ];
  if (problems.length > 0) throw new WitnessConfigError(where, problems);
}

/** ExportResultCode of @opentelemetry/core. */
const SUCCESS = 0;
const FAILED = 1;

/**
 * An OpenTelemetry SDK `SpanProcessor` sending every ended span to Witness through the Witness batch
 * exporter (bounded queue, retries): `new NodeTracerProvider({ spanProcessors: [new WitnessOtelSpanProcessor()] })`.
 */
export class WitnessOtelSpanProcessor {
  readonly batch: BatchSpanProcessor;

  constructor(exporter: OtlpTraceExporterOptions = {}, batch: BatchSpanProcessorOptions = {}) {
    checkAdapterOptions('new WitnessOtelSpanProcessor()', exporter, batch);
    this.batch = new BatchSpanProcessor(new OtlpTraceExporter(exporter), batch);
  }
  onStart(_span: unknown, _ctx: Context): void {}
  onEnd(span: unknown): void {
    this.batch.onEnd(span as ReadableSpanLike);
  }
  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}

/**
 * An OpenTelemetry SDK `SpanExporter` for setups that already batch with the SDK's own
 * BatchSpanProcessor. Each `export()` is encoded and sent with Witness's retrying sender.
 */
export class WitnessOtelSpanExporter {
  private readonly batch: BatchSpanProcessor;

  constructor(exporter: OtlpTraceExporterOptions = {}, batch: BatchSpanProcessorOptions = {}) {
    checkAdapterOptions('new WitnessOtelSpanExporter()', exporter, batch);
    // One batch per export call: the SDK has batched already.
    this.batch = new BatchSpanProcessor(new OtlpTraceExporter(exporter), {
      maxQueueSize: 1 << 20,
      maxExportBatchSize: 1 << 20,
      ...batch,
    });
  }

  export(spans: unknown[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    const before = this.batch.stats.exported;
    for (const s of spans) this.batch.onEnd(s as ReadableSpanLike);
    this.batch.forceFlush().then(
      () => {
        const ok = this.batch.stats.exported - before >= spans.length;
        resultCallback(
          ok
            ? { code: SUCCESS }
            : { code: FAILED, error: new Error(this.batch.stats.lastError ?? 'export failed') },
        );
      },
      (e: unknown) => resultCallback({ code: FAILED, error: e instanceof Error ? e : new Error(String(e)) }),
    );
  }
  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
