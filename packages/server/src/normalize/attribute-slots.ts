/**
 * Every attribute key the normalizer understands, mapped to a numeric slot. The hot loop looks each
 * span attribute key up in one Map (one hash, no regex, no per-convention scanning) and parks the value
 * in its slot; precedence is then resolved by reading slots in order. Sources for the key names are
 * listed in docs/normalization.md.
 */
import { WITNESS_ATTR as W } from './witness-attributes.js';

let next = 0;
const slot = (): number => next++;

// Witness's own keys (highest precedence).
export const W_KIND = slot();
export const W_SESSION = slot();
export const W_USER = slot();
export const W_AGENT = slot();
export const W_TOOL = slot();
export const W_SIDE_EFFECT = slot();
export const W_STEP_TEXT = slot();
export const W_INPUT = slot();
export const W_OUTPUT = slot();
export const W_D_CHOICE = slot();
export const W_D_ALTERNATIVES = slot();
export const W_D_CONFIDENCE = slot();
export const W_D_RATIONALE = slot();
export const W_G_MODE = slot();
export const W_G_ACTOR = slot();
export const W_G_ACTOR_ROLE = slot();
export const W_G_WORKFLOW = slot();
export const W_G_OUTCOME = slot();
export const W_COST = slot();
export const W_TOKENS_ESTIMATED = slot();

// OpenTelemetry GenAI semantic conventions (current and deprecated names).
export const G_OPERATION = slot();
export const G_PROVIDER = slot();
export const G_SYSTEM = slot();
export const G_REQUEST_MODEL = slot();
export const G_RESPONSE_MODEL = slot();
export const G_INPUT_TOKENS = slot();
export const G_PROMPT_TOKENS = slot();
export const G_OUTPUT_TOKENS = slot();
export const G_COMPLETION_TOKENS = slot();
export const G_CACHE_READ = slot();
export const G_CACHE_READ_OLD = slot();
export const G_REASONING = slot();
export const G_TOTAL_TOKENS = slot();
export const G_COST = slot();
export const G_AGENT = slot();
export const G_TOOL = slot();
export const G_TOOL_ARGS = slot();
export const G_TOOL_RESULT = slot();
export const G_INPUT_MESSAGES = slot();
export const G_OUTPUT_MESSAGES = slot();
export const G_SYSTEM_INSTRUCTIONS = slot();
export const G_CONVERSATION = slot();
export const G_PROMPT_TEXT = slot();
export const G_COMPLETION_TEXT = slot();

// OpenInference (Arize).
export const OI_KIND = slot();
export const OI_MODEL = slot();
export const OI_REQUEST_MODEL = slot();
export const OI_RESPONSE_MODEL = slot();
export const OI_EMBEDDING_MODEL = slot();
export const OI_RERANKER_MODEL = slot();
export const OI_PROVIDER = slot();
export const OI_SYSTEM = slot();
export const OI_PROMPT_TOKENS = slot();
export const OI_COMPLETION_TOKENS = slot();
export const OI_TOTAL_TOKENS = slot();
export const OI_CACHE_READ = slot();
export const OI_REASONING = slot();
export const OI_COST = slot();
export const OI_TOOL = slot();
export const OI_INPUT = slot();
export const OI_OUTPUT = slot();
export const OI_SESSION = slot();
export const OI_USER = slot();
export const OI_AGENT = slot();

// OpenLLMetry (Traceloop).
export const TL_KIND = slot();
export const TL_ENTITY_NAME = slot();
export const TL_ENTITY_INPUT = slot();
export const TL_ENTITY_OUTPUT = slot();
export const TL_TOTAL_TOKENS = slot();
export const TL_REQUEST_TYPE = slot();
export const TL_REQUEST_MODEL = slot();
export const TL_RESPONSE_MODEL = slot();
export const TL_VENDOR = slot();
export const TL_PROMPT_TOKENS = slot();
export const TL_COMPLETION_TOKENS = slot();
export const TL_SESSION = slot();
export const TL_USER = slot();

// Langfuse.
export const LF_TYPE = slot();
export const LF_MODEL = slot();
export const LF_MODEL_OLD = slot();
export const LF_USAGE = slot();
export const LF_COST = slot();
export const LF_INPUT = slot();
export const LF_OUTPUT = slot();
export const LF_SESSION = slot();
export const LF_USER = slot();

// Vercel AI SDK (the `ai` npm package's experimental_telemetry).
export const AI_OPERATION = slot();
export const AI_MODEL_PROVIDER = slot();
export const AI_MODEL_ID = slot();
export const AI_RESPONSE_MODEL = slot();
export const AI_PROMPT_MESSAGES = slot();
export const AI_PROMPT = slot();
export const AI_RESPONSE_TEXT = slot();
export const AI_RESPONSE_OBJECT = slot();
export const AI_RESPONSE_TOOL_CALLS = slot();
export const AI_TOOL_NAME = slot();
export const AI_TOOL_ARGS = slot();
export const AI_TOOL_RESULT = slot();
export const AI_VALUE = slot();
export const AI_VALUES = slot();
export const AI_INPUT_TOKENS = slot();
export const AI_OUTPUT_TOKENS = slot();
export const AI_CACHE_READ = slot();
export const AI_REASONING = slot();
export const AI_EMBED_TOKENS = slot();
export const AI_SESSION = slot();
export const AI_USER = slot();

// Generic OpenTelemetry.
export const OTEL_ENDUSER = slot();
export const OTEL_DB_SYSTEM = slot();

export const SLOT_COUNT = next;

/** Attribute key → slot. Several keys may share a slot (aliases); the first one seen on a span wins. */
export const KEY_SLOTS: ReadonlyMap<string, number> = new Map<string, number>([
  [W.kind, W_KIND],
  [W.sessionId, W_SESSION],
  [W.userId, W_USER],
  [W.agentName, W_AGENT],
  [W.toolName, W_TOOL],
  [W.toolSideEffect, W_SIDE_EFFECT],
  [W.stepText, W_STEP_TEXT],
  [W.input, W_INPUT],
  [W.output, W_OUTPUT],
  [W.decisionChoice, W_D_CHOICE],
  [W.decisionAlternatives, W_D_ALTERNATIVES],
  [W.decisionConfidence, W_D_CONFIDENCE],
  [W.decisionRationale, W_D_RATIONALE],
  [W.governanceMode, W_G_MODE],
  [W.governanceActor, W_G_ACTOR],
  [W.governanceActorRole, W_G_ACTOR_ROLE],
  [W.governanceWorkflow, W_G_WORKFLOW],
  [W.governanceOutcome, W_G_OUTCOME],
  [W.costUsd, W_COST],
  [W.tokensEstimated, W_TOKENS_ESTIMATED],

  ['gen_ai.operation.name', G_OPERATION],
  ['gen_ai.provider.name', G_PROVIDER],
  ['gen_ai.system', G_SYSTEM],
  ['gen_ai.request.model', G_REQUEST_MODEL],
  ['gen_ai.response.model', G_RESPONSE_MODEL],
  ['gen_ai.usage.input_tokens', G_INPUT_TOKENS],
  ['gen_ai.usage.prompt_tokens', G_PROMPT_TOKENS],
  ['gen_ai.usage.output_tokens', G_OUTPUT_TOKENS],
  ['gen_ai.usage.completion_tokens', G_COMPLETION_TOKENS],
  ['gen_ai.usage.cache_read.input_tokens', G_CACHE_READ],
  ['gen_ai.usage.cache_read_input_tokens', G_CACHE_READ_OLD],
  ['gen_ai.usage.reasoning.output_tokens', G_REASONING],
  ['gen_ai.usage.total_tokens', G_TOTAL_TOKENS],
  ['gen_ai.usage.cost', G_COST],
  ['gen_ai.agent.name', G_AGENT],
  ['gen_ai.tool.name', G_TOOL],
  ['gen_ai.tool.call.arguments', G_TOOL_ARGS],
  ['gen_ai.tool.call.result', G_TOOL_RESULT],
  ['gen_ai.input.messages', G_INPUT_MESSAGES],
  ['gen_ai.output.messages', G_OUTPUT_MESSAGES],
  ['gen_ai.system_instructions', G_SYSTEM_INSTRUCTIONS],
  ['gen_ai.conversation.id', G_CONVERSATION],
  ['gen_ai.prompt', G_PROMPT_TEXT],
  ['gen_ai.completion', G_COMPLETION_TEXT],

  ['openinference.span.kind', OI_KIND],
  ['llm.model_name', OI_MODEL],
  ['llm.request.model_name', OI_REQUEST_MODEL],
  ['llm.response.model_name', OI_RESPONSE_MODEL],
  ['embedding.model_name', OI_EMBEDDING_MODEL],
  ['reranker.model_name', OI_RERANKER_MODEL],
  ['llm.provider', OI_PROVIDER],
  ['llm.system', OI_SYSTEM],
  ['llm.token_count.prompt', OI_PROMPT_TOKENS],
  ['llm.token_count.completion', OI_COMPLETION_TOKENS],
  ['llm.token_count.total', OI_TOTAL_TOKENS],
  ['llm.token_count.prompt_details.cache_read', OI_CACHE_READ],
  ['llm.token_count.completion_details.reasoning', OI_REASONING],
  ['llm.cost.total', OI_COST],
  ['tool.name', OI_TOOL],
  ['input.value', OI_INPUT],
  ['output.value', OI_OUTPUT],
  ['session.id', OI_SESSION],
  ['user.id', OI_USER],
  ['agent.name', OI_AGENT],

  ['traceloop.span.kind', TL_KIND],
  ['traceloop.entity.name', TL_ENTITY_NAME],
  ['traceloop.entity.input', TL_ENTITY_INPUT],
  ['traceloop.entity.output', TL_ENTITY_OUTPUT],
  ['llm.usage.total_tokens', TL_TOTAL_TOKENS],
  ['llm.request.type', TL_REQUEST_TYPE],
  ['llm.request.model', TL_REQUEST_MODEL],
  ['llm.response.model', TL_RESPONSE_MODEL],
  ['llm.vendor', TL_VENDOR],
  ['llm.usage.prompt_tokens', TL_PROMPT_TOKENS],
  ['llm.usage.completion_tokens', TL_COMPLETION_TOKENS],
  // Association properties are free-form; these are the spellings Traceloop's docs and SDKs use.
  ['traceloop.association.properties.session_id', TL_SESSION],
  ['traceloop.association.properties.sessionId', TL_SESSION],
  ['traceloop.association.properties.conversation_id', TL_SESSION],
  ['traceloop.association.properties.chat_id', TL_SESSION],
  ['traceloop.association.properties.user_id', TL_USER],
  ['traceloop.association.properties.userId', TL_USER],

  ['langfuse.observation.type', LF_TYPE],
  ['langfuse.observation.model.name', LF_MODEL],
  ['langfuse.observation.model', LF_MODEL_OLD],
  ['langfuse.observation.usage_details', LF_USAGE],
  ['langfuse.observation.cost_details', LF_COST],
  ['langfuse.observation.input', LF_INPUT],
  ['langfuse.observation.output', LF_OUTPUT],
  ['langfuse.session.id', LF_SESSION],
  ['langfuse.user.id', LF_USER],

  ['ai.operationId', AI_OPERATION],
  ['ai.model.provider', AI_MODEL_PROVIDER],
  ['ai.model.id', AI_MODEL_ID],
  ['ai.response.model', AI_RESPONSE_MODEL],
  ['ai.prompt.messages', AI_PROMPT_MESSAGES],
  ['ai.prompt', AI_PROMPT],
  ['ai.response.text', AI_RESPONSE_TEXT],
  ['ai.response.object', AI_RESPONSE_OBJECT],
  ['ai.response.toolCalls', AI_RESPONSE_TOOL_CALLS],
  ['ai.toolCall.name', AI_TOOL_NAME],
  ['ai.toolCall.args', AI_TOOL_ARGS],
  ['ai.toolCall.input', AI_TOOL_ARGS],
  ['ai.toolCall.result', AI_TOOL_RESULT],
  ['ai.toolCall.output', AI_TOOL_RESULT],
  ['ai.value', AI_VALUE],
  ['ai.values', AI_VALUES],
  // SDK 5+ names, then SDK 3/4 names (`promptTokens`…); read on model-call spans only (see read-usage.ts).
  ['ai.usage.inputTokens', AI_INPUT_TOKENS],
  ['ai.usage.promptTokens', AI_INPUT_TOKENS],
  ['ai.usage.outputTokens', AI_OUTPUT_TOKENS],
  ['ai.usage.completionTokens', AI_OUTPUT_TOKENS],
  ['ai.usage.inputTokenDetails.cacheReadTokens', AI_CACHE_READ],
  ['ai.usage.cachedInputTokens', AI_CACHE_READ],
  ['ai.usage.outputTokenDetails.reasoningTokens', AI_REASONING],
  ['ai.usage.reasoningTokens', AI_REASONING],
  ['ai.usage.tokens', AI_EMBED_TOKENS],
  // Free-form metadata; these are the spellings the AI SDK's and Langfuse's docs use.
  ['ai.telemetry.metadata.sessionId', AI_SESSION],
  ['ai.telemetry.metadata.session_id', AI_SESSION],
  ['ai.telemetry.metadata.userId', AI_USER],
  ['ai.telemetry.metadata.user_id', AI_USER],

  ['enduser.id', OTEL_ENDUSER],
  ['db.system', OTEL_DB_SYSTEM],
  ['db.system.name', OTEL_DB_SYSTEM],
]);
