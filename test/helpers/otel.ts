/** The official OpenTelemetry SDK + OTLP exporters pointed at a Witness, as a user's app would be. */
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export type Transport = 'proto' | 'http-json';

export function tracerProvider(url: string, serviceName: string, transport: Transport = 'proto') {
  const exporter =
    transport === 'proto'
      ? new OTLPTraceExporterProto({ url: `${url}/v1/traces` })
      : new OTLPTraceExporterHttp({ url: `${url}/v1/traces` });
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 })],
  });
}

export function loggerProvider(url: string, serviceName: string) {
  return new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    processors: [
      new BatchLogRecordProcessor({ exporter: new OTLPLogExporterProto({ url: `${url}/v1/logs` }) }),
    ],
  });
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
