/**
 * @witness/sdk: instrument TypeScript AI agents on the OpenTelemetry API and export OTLP.
 *
 *   import { init, agent, tool } from '@witness/sdk';
 *   init({ serviceName: 'support-bot', endpoint: 'http://localhost:4318' });
 *   await agent('planner', () => tool('search', () => search(q)));
 */
export {
  type AgentOptions,
  type DecisionOptions,
  GENAI,
  type GenAiMessage,
  type GenAiOperation,
  type GovernanceOptions,
  type LlmOptions,
  MAX_PAYLOAD_CHARS,
  ObservedSpan,
  recordError,
  type TokenUsage,
  type ToolOptions,
  toGenAiMessages,
  toPayload,
  WITNESS,
} from './agent/index.js';
export {
  agent,
  decision,
  flush,
  getWitness,
  governance,
  type InitOptions,
  init,
  llm,
  session,
  shutdown,
  step,
  tool,
  user,
  withAttributes,
} from './default-instance.js';
export * from './export/index.js';
export { WitnessConfigError } from './options/index.js';
export * from './propagation/index.js';
export * from './wrappers/index.js';
export * from './trace/index.js';
export { SDK_NAME, SDK_VERSION, Witness, type WitnessOptions } from './witness.js';
