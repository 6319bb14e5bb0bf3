/**
 * One OpenTelemetry tracer and logger pipeline per demo service, exporting OTLP/HTTP protobuf to the
 * server exactly as an instrumented application's would (the official SDK and exporters).
 */
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export const DEMO_SERVICES = [
  { name: 'support-copilot', version: '1.8.2' },
  { name: 'devops-agent', version: '0.9.0' },
];

export interface DemoPipeline {
  tracer: Tracer;
  logger: Logger;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface DemoPipelineOptions {
  /** Spans (and log records) held before the processor drops; bounded like any OTel SDK's queue. */
  maxQueueSize: number;
  /** @default 200 */
  scheduledDelayMillis?: number;
  /** Sent with every export (the credential when the server has auth on). */
  headers?: Record<string, string>;
}

export function createDemoPipelines(endpoint: string, options: DemoPipelineOptions): DemoPipeline[] {
  const base = endpoint.replace(/\/+$/, '');
  const batch = {
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: 512,
    scheduledDelayMillis: options.scheduledDelayMillis ?? 200,
  };
  return DEMO_SERVICES.map((service) => {
    const resource = resourceFromAttributes({
      'service.name': service.name,
      'service.version': service.version,
      'deployment.environment.name': 'demo',
    });
    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor(
          new OTLPTraceExporter({ url: `${base}/v1/traces`, headers: options.headers }),
          batch,
        ),
      ],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${base}/v1/logs`, headers: options.headers }),
          ...batch,
        }),
      ],
    });
    return {
      tracer: tracerProvider.getTracer('witness-demo', '0.1.0'),
      logger: loggerProvider.getLogger('witness-demo', '0.1.0'),
      flush: async () => {
        await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
      },
      shutdown: async () => {
        await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
      },
    };
  });
}
