import type { Attributes } from '@opentelemetry/api';
import type {
  AgentOptions,
  DecisionOptions,
  GovernanceOptions,
  LlmOptions,
  ToolOptions,
} from './agent/helpers.js';
import type { ObservedSpan } from './agent/observed-span.js';
import { BatchSpanProcessor, type BatchSpanProcessorOptions } from './export/batch-span-processor.js';
import { batchOptionsFromEnv, exporterOptionsFromEnv, resourceFromEnv, tracesUrlOf } from './export/env.js';
import { OtlpTraceExporter, type OtlpTraceExporterOptions } from './export/otlp-trace-exporter.js';
import { assertOptions, initShape, WitnessConfigError } from './options/index.js';
import { Witness, type WitnessOptions } from './witness.js';

/** The instance the module-level helpers use; created by `init()`, or lazily (no export) before it. */
let current: Witness | undefined;
let currentBatch: BatchSpanProcessor | undefined;
let exitHookInstalled = false;

export interface InitOptions extends WitnessOptions {
  /**
   * OTLP base URL, e.g. `http://localhost:4318`: spans go to `{endpoint}/v1/traces`, as with
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (a URL already ending in `/v1/traces` is used as is).
   * @default process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'
   */
  endpoint?: string;
  /** OTLP export; `false` for none. Unset fields come from `OTEL_EXPORTER_OTLP_*`. @default {} */
  exporter?: OtlpTraceExporterOptions | false;
  /** Batching, queue and retry settings. Unset fields come from `OTEL_BSP_*`. */
  batch?: BatchSpanProcessorOptions;
  /** Flush when the event loop empties (`beforeExit`), so short CLI runs lose nothing. @default true */
  flushOnExit?: boolean;
  /**
   * The Witness project the spans land in, sent as the `x-witness-project` header (1–63 of a-z, 0-9,
   * `_`, `-`). With auth on, an API key's own project wins and a different one is refused.
   * @default the server's `default` project
   */
  project?: string;
}

/** The header naming the project (PROJECT_HEADER in @witness/protocol; the SDK does not depend on it). */
export const PROJECT_HEADER = 'x-witness-project';

/**
 * Sets up the default instance: resource from options and `OTEL_SERVICE_NAME` /
 * `OTEL_RESOURCE_ATTRIBUTES`, OTLP/HTTP export to `endpoint` or `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * http://localhost:4318). Does not touch the global OpenTelemetry provider unless `registerGlobal`.
 * @throws WitnessConfigError, synchronously, for an unknown option or a value of the wrong type: a
 * misconfigured SDK would otherwise export nowhere without a word.
 */
export function init(options: InitOptions = {}): Witness {
  assertOptions('init()', options, initShape);
  if (options.endpoint !== undefined) {
    if (options.exporter === false)
      throw new WitnessConfigError('init()', [
        '`endpoint` is set but `exporter: false` turns export off; drop one of them',
      ]);
    if (options.exporter?.url !== undefined)
      throw new WitnessConfigError('init()', [
        'set either `endpoint` (the OTLP base URL) or `exporter.url` (the full traces URL), not both',
      ]);
  }
  const processors = [...(options.spanProcessors ?? [])];
  let batch: BatchSpanProcessor | undefined;
  if (options.exporter !== false) {
    const fromEnv = exporterOptionsFromEnv();
    const exporter = new OtlpTraceExporter({
      ...fromEnv,
      ...(options.endpoint !== undefined && { url: tracesUrlOf(options.endpoint) }),
      ...options.exporter,
      ...(options.project !== undefined && {
        headers: { ...fromEnv.headers, ...options.exporter?.headers, [PROJECT_HEADER]: options.project },
      }),
    });
    batch = new BatchSpanProcessor(exporter, { ...batchOptionsFromEnv(), ...options.batch });
    processors.push(batch);
  }
  currentBatch = batch;
  const envResource = resourceFromEnv();
  current = new Witness({
    serviceName: options.serviceName ?? envResource['service.name'],
    resource: { ...envResource, ...options.resource },
    spanProcessors: processors,
    registerGlobal: options.registerGlobal,
  });
  if (options.flushOnExit !== false && !exitHookInstalled) {
    exitHookInstalled = true;
    // beforeExit fires when nothing else is pending: export what is still queued, then the loop
    // empties again and the process exits (nothing queued then, so no second flush).
    process.on('beforeExit', () => {
      if (currentBatch !== undefined && currentBatch.stats.queued > 0) void currentBatch.forceFlush();
    });
  }
  return current;
}

export function getWitness(): Witness {
  if (current === undefined) current = new Witness({ serviceName: process.env.OTEL_SERVICE_NAME });
  return current;
}

/** Runs `fn` as an agent invocation (`invoke_agent {name}`); nested helpers become its children. */
export const agent = <R>(opts: string | AgentOptions, fn: (span: ObservedSpan) => R): R =>
  getWitness().agent(opts, fn);
/** Runs `fn` as a model call (`chat {model}`); set usage and output on the span handle. */
export const llm = <R>(opts: LlmOptions, fn: (span: ObservedSpan) => R): R => getWitness().llm(opts, fn);
/** Runs `fn` as a tool call (`execute_tool {name}`); its return value becomes the recorded result. */
export const tool = <R>(opts: string | ToolOptions, fn: (span: ObservedSpan) => R): R =>
  getWitness().tool(opts, fn);
/** A reasoning step, around `fn` or as a point in time. */
export const step = <R = void>(text: string, fn?: (span: ObservedSpan) => R): R =>
  getWitness().step(text, fn);
/** Records a decision with its alternatives, confidence and rationale. */
export const decision = (opts: DecisionOptions): void => getWitness().decision(opts);
export const session = <R>(id: string, fn: () => R): R => getWitness().session(id, fn);
export const user = <R>(id: string, fn: () => R): R => getWitness().user(id, fn);
export const governance = <R>(opts: GovernanceOptions, fn: () => R): R => getWitness().governance(opts, fn);
export const withAttributes = <R>(attributes: Attributes, fn: () => R): R =>
  getWitness().withAttributes(attributes, fn);
/** Exports everything ended so far (serverless handlers and CLIs call this before returning). */
export const flush = (): Promise<void> => getWitness().flush();
export const shutdown = (): Promise<void> => getWitness().shutdown();
