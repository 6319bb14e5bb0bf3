import type { Attributes } from '@opentelemetry/api';
import type {
  AgentOptions,
  DecisionOptions,
  GovernanceOptions,
  LlmOptions,
  ToolOptions,
} from './agent/helpers.js';
import type { ObservedSpan } from './agent/observed-span.js';
import { Witness, type WitnessOptions } from './witness.js';

/** The instance the module-level helpers use; created by `init()`, or lazily (no export) before it. */
let current: Witness | undefined;

export function init(options: WitnessOptions = {}): Witness {
  current = new Witness(options);
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
