import type { Attributes, Tracer } from '@opentelemetry/api';
import {
  type AgentOptions,
  agent,
  type DecisionOptions,
  decision,
  type GovernanceOptions,
  governance,
  type LlmOptions,
  llm,
  type ObservedSpan,
  session,
  step,
  type ToolOptions,
  tool,
  user,
  withAttributes,
} from './agent/index.js';
import { assertOptions, witnessShape } from './options/index.js';
import { WitnessTracerProvider } from './trace/tracer-provider.js';
import type { WitnessSpanProcessor } from './trace/types.js';

export const SDK_NAME = '@witness/sdk';
export const SDK_VERSION = '0.1.0';

export interface WitnessOptions {
  /** `service.name` of the resource. @default process.env.OTEL_SERVICE_NAME ?? 'unknown_service' */
  serviceName?: string;
  /** More resource attributes (`service.version`, `deployment.environment.name`…). */
  resource?: Attributes;
  /** Where spans go: the OTLP batch exporter, an in-memory collector, an OTel SDK exporter adapter… */
  spanProcessors?: WitnessSpanProcessor[];
  /** Also make this the global `@opentelemetry/api` provider. @default false (never take over the host's) */
  registerGlobal?: boolean;
}

/**
 * One Witness instance: a tracer provider with its processors and the agent helpers bound to it.
 * Most applications use the module-level functions (`init`, `agent`, `tool`…), which act on the
 * instance `init()` created; tests and libraries can hold their own.
 */
export class Witness {
  readonly provider: WitnessTracerProvider;
  readonly tracer: Tracer;

  /** @throws WitnessConfigError for an unknown option or a value of the wrong type. */
  constructor(options: WitnessOptions = {}) {
    assertOptions('new Witness()', options, witnessShape);
    const resource: Attributes = {
      'service.name': options.serviceName ?? 'unknown_service',
      'telemetry.sdk.name': SDK_NAME,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': SDK_VERSION,
      ...options.resource,
    };
    this.provider = new WitnessTracerProvider({ resource, spanProcessors: options.spanProcessors });
    this.tracer = this.provider.getTracer(SDK_NAME, SDK_VERSION);
    if (options.registerGlobal) this.provider.register();
  }

  agent<R>(opts: string | AgentOptions, fn: (span: ObservedSpan) => R): R {
    return agent(this.tracer, opts, fn);
  }
  llm<R>(opts: LlmOptions, fn: (span: ObservedSpan) => R): R {
    return llm(this.tracer, opts, fn);
  }
  tool<R>(opts: string | ToolOptions, fn: (span: ObservedSpan) => R): R {
    return tool(this.tracer, opts, fn);
  }
  step<R = void>(text: string, fn?: (span: ObservedSpan) => R): R {
    return step(this.tracer, text, fn);
  }
  decision(opts: DecisionOptions): void {
    decision(this.tracer, opts);
  }
  session<R>(id: string, fn: () => R): R {
    return session(id, fn);
  }
  user<R>(id: string, fn: () => R): R {
    return user(id, fn);
  }
  governance<R>(opts: GovernanceOptions, fn: () => R): R {
    return governance(opts, fn);
  }
  withAttributes<R>(attributes: Attributes, fn: () => R): R {
    return withAttributes(attributes, fn);
  }
  /** Exports everything ended so far; resolves (never rejects) when done or timed out. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }
  /** Flushes and stops the processors; later spans are dropped. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
