/**
 * Planner → researcher, two services, one trace. Run a Witness (or any OTLP receiver) on :4318, then:
 *
 *   npm run build && npx tsx examples/multi-agent/main.ts
 *
 * OTEL_EXPORTER_OTLP_ENDPOINT points it elsewhere.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchSpanProcessor, exporterOptionsFromEnv, OtlpTraceExporter, Witness } from '@witness/sdk';
import { plan } from './planner.js';
import { startResearcher } from './researcher.js';

/** Runs the example once against `tracesUrl` (an OTLP/HTTP traces URL); returns the answer and trace id. */
export async function runExample(tracesUrl?: string): Promise<{ answer: string; traceId: string }> {
  const exporter = () =>
    new OtlpTraceExporter({ ...exporterOptionsFromEnv(), ...(tracesUrl ? { url: tracesUrl } : {}) });
  // Two services, as in production: each has its own SDK instance and service.name.
  const researcherWitness = new Witness({
    serviceName: 'researcher',
    spanProcessors: [new BatchSpanProcessor(exporter())],
  });
  const plannerWitness = new Witness({
    serviceName: 'planner',
    spanProcessors: [new BatchSpanProcessor(exporter())],
  });
  const researcher = await startResearcher(researcherWitness);
  try {
    return await plan(
      plannerWitness,
      researcher.url,
      'What do the GenAI semantic conventions and W3C trace context cover?',
    );
  } finally {
    await researcher.close();
    // short-lived program: deliver everything before exiting
    await Promise.all([plannerWitness.shutdown(), researcherWitness.shutdown()]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runExample().then(
    ({ answer, traceId }) =>
      console.log(
        `answer: ${answer}\ntrace ${traceId} exported to ${exporterOptionsFromEnv().url ?? 'http://localhost:4318/v1/traces'}`,
      ),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
