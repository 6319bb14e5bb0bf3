/**
 * A user's app in its own process: the official OTLP trace exporter configured only by the standard
 * environment (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS), exporting one span. Prints
 * one JSON line: the export result code (0 success, 1 failure), the error, the trace id and how long
 * the export took. Usage: node export-span-child.mjs proto|http-json|grpc <service>
 */
import { OTLPTraceExporter as Grpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as Proto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

const [transport, service] = process.argv.slice(2);
const exporter = transport === 'proto' ? new Proto() : transport === 'grpc' ? new Grpc() : new HttpJson();
const ended = [];
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [
    {
      onStart() {},
      onEnd(span) {
        ended.push(span);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  ],
});
const span = provider.getTracer('auth-e2e').startSpan('invoke_agent auth-check');
span.end();
const started = Date.now();
exporter.export(ended, (result) => {
  process.stdout.write(
    `${JSON.stringify({
      // ExportResultCode: SUCCESS = 0, FAILED = 1 (@opentelemetry/core, not a direct dependency here)
      code: result.code,
      error: result.error ? String(result.error.message ?? result.error) : null,
      traceId: span.spanContext().traceId,
      ms: Date.now() - started,
    })}\n`,
  );
  void exporter.shutdown().then(() => process.exit(0));
});
