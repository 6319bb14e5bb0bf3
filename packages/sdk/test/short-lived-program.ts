/**
 * A short-lived program (as a CLI or a serverless handler is): makes spans, awaits shutdown() with
 * the receiver at argv[2] unreachable, then prints. Run by batch-span-processor.test.ts in a child
 * process: the awaited flush must keep the process alive and then resolve, not exit silently.
 */
import { BatchSpanProcessor } from '../src/export/batch-span-processor.js';
import { OtlpTraceExporter } from '../src/export/otlp-trace-exporter.js';
import { Witness } from '../src/witness.js';

const warnings: string[] = [];
const processor = new BatchSpanProcessor(new OtlpTraceExporter({ url: process.argv[2] }), {
  flushTimeoutMillis: 800,
  initialBackoffMillis: 100,
  onWarning: (m) => warnings.push(m),
});
const w = new Witness({ spanProcessors: [processor] });
await w.agent('cli', async () => w.step('work'));
await w.shutdown();
console.log(JSON.stringify({ after: true, warnings, stats: processor.stats }));
