export { GENAI, type GenAiOperation, WITNESS } from './attributes.js';
export {
  type AgentOptions,
  agent,
  type DecisionOptions,
  decision,
  type GovernanceOptions,
  governance,
  type LlmOptions,
  llm,
  runInSpan,
  session,
  step,
  type ToolOptions,
  tool,
  user,
  withAttributes,
} from './helpers.js';
export { ObservedSpan, recordError, type TokenUsage } from './observed-span.js';
export { type GenAiMessage, MAX_PAYLOAD_CHARS, toGenAiMessages, toPayload } from './serialize.js';
