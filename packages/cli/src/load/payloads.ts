/**
 * The traffic: one iteration is one user request to a multi-agent application — the demo's planner →
 * researcher/coder run (LLM calls of three providers with gen_ai attributes, tool calls some of which
 * fail, decisions, logs, a session and a user) — exported as one OTLP/HTTP protobuf traces request and
 * one logs request, exactly the bytes the official SDK's exporters send.
 *
 * Generating every run with the SDK would make the generator, not the server, the bottleneck on a
 * small machine, so a pool of runs is generated and encoded once (the demo's scenario, captured with
 * in-memory exporters and serialised with @opentelemetry/otlp-transformer) and each iteration sends a
 * copy of one whose trace id bytes are patched to a fresh id. The pool is rebuilt every minute so span
 * timestamps stay recent for the readers' time-ranged queries.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { createNoopLogger } from '@opentelemetry/api-logs';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { DEMO_SERVICES, DEMO_USERS, Random, runScenario } from '../demo/index.js';

/** The resource attribute every span of one load run carries (how `countStoredSpans` finds them). */
export const RUN_ATTRIBUTE = 'witness.load.run';

interface Template {
  traces: Uint8Array;
  logs: Uint8Array;
  spans: number;
  logRecords: number;
  /** Offsets of every copy of the trace id in `traces` and in `logs`. */
  traceOffsets: number[];
  logOffsets: number[];
}

export interface Iteration {
  traces: Uint8Array;
  logs: Uint8Array;
  spans: number;
  logRecords: number;
  traceId: string;
}

function offsetsOf(haystack: Uint8Array, needle: Buffer): number[] {
  const buf = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length);
  const out: number[] = [];
  for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) out.push(at);
  return out;
}

export class PayloadPool {
  private templates: Template[] = [];
  private next = 0;
  private counter = 0;
  private readonly rng: Random;
  /** Bytes 4..7 of every trace id: this generator instance (two load runs never collide). */
  private readonly instance = randomBytes(4).readUInt32BE(0);
  private builtAt = 0;

  constructor(
    readonly runTag: string,
    seed: number,
    private readonly size = 48,
  ) {
    this.rng = new Random(seed);
    this.rebuild();
  }

  /** Spans in an average iteration (for the progress line and rate conversions). */
  get meanSpans(): number {
    return this.templates.reduce((n, t) => n + t.spans, 0) / this.templates.length;
  }

  private rebuild(): void {
    const spanExporter = new InMemorySpanExporter();
    const logExporter = new InMemoryLogRecordExporter();
    const templates: Template[] = [];
    const dryTracer = new BasicTracerProvider().getTracer('witness-load-dry-run');
    const noopLogger = createNoopLogger();
    for (let i = 0; i < this.size; i++) {
      const service = DEMO_SERVICES[i % DEMO_SERVICES.length];
      const resource = resourceFromAttributes({
        'service.name': service.name,
        'service.version': service.version,
        'deployment.environment.name': 'load',
        [RUN_ATTRIBUTE]: this.runTag,
      });
      const tracerProvider = new BasicTracerProvider({
        resource,
        spanProcessors: [new SimpleSpanProcessor(spanExporter)],
      });
      const loggerProvider = new LoggerProvider({
        resource,
        processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
      });
      spanExporter.reset();
      logExporter.reset();
      const run = {
        root: ROOT_CONTEXT,
        sessionId: `load-${this.runTag}-${this.rng.int(1, 40)}`,
        userId: this.rng.pick(DEMO_USERS),
      };
      // the same draws on a copy of the generator tell how long the run takes, so that it can end now
      const { endMs: duration } = runScenario({
        ...run,
        rng: this.rng.clone(),
        tracer: dryTracer,
        logger: noopLogger,
        startMs: 0,
      });
      runScenario({
        ...run,
        rng: this.rng,
        tracer: tracerProvider.getTracer('witness-load'),
        logger: loggerProvider.getLogger('witness-load'),
        startMs: Date.now() - duration,
      });
      const spans = spanExporter.getFinishedSpans();
      const logs = logExporter.getFinishedLogRecords();
      const traces = ProtobufTraceSerializer.serializeRequest(spans);
      const logBytes = ProtobufLogsSerializer.serializeRequest(logs);
      if (!traces || !logBytes) throw new Error('could not encode the load payload');
      const id = Buffer.from(spans[0].spanContext().traceId, 'hex');
      templates.push({
        traces,
        logs: logBytes,
        spans: spans.length,
        logRecords: logs.length,
        traceOffsets: offsetsOf(traces, id),
        logOffsets: offsetsOf(logBytes, id),
      });
    }
    this.templates = templates;
    this.builtAt = Date.now();
  }

  /** The next iteration's payloads, with a trace id no other iteration has. */
  take(): Iteration {
    if (Date.now() - this.builtAt > 60_000) this.rebuild();
    const t = this.templates[this.next++ % this.templates.length];
    const n = ++this.counter;
    const traces = Buffer.from(t.traces);
    const logs = Buffer.from(t.logs);
    for (const at of t.traceOffsets) {
      traces.writeUInt32BE(n >>> 0, at);
      traces.writeUInt32BE(this.instance, at + 4);
    }
    for (const at of t.logOffsets) {
      logs.writeUInt32BE(n >>> 0, at);
      logs.writeUInt32BE(this.instance, at + 4);
    }
    const at = t.traceOffsets[0];
    return {
      traces,
      logs,
      spans: t.spans,
      logRecords: t.logRecords,
      traceId: traces.subarray(at, at + 16).toString('hex'),
    };
  }
}
