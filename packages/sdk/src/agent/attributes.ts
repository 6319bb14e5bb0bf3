/**
 * Attribute names the SDK emits. OpenTelemetry GenAI semantic conventions first; `witness.*` only
 * where GenAI has no name (the normalizer in packages/server/src/normalize reads both).
 */
export const GENAI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  reasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  conversationId: 'gen_ai.conversation.id',
} as const;

export const WITNESS = {
  kind: 'witness.kind',
  sessionId: 'witness.session.id',
  userId: 'witness.user.id',
  agentName: 'witness.agent.name',
  toolSideEffect: 'witness.tool.side_effect',
  stepText: 'witness.step.text',
  decisionChoice: 'witness.decision.choice',
  decisionAlternatives: 'witness.decision.alternatives',
  decisionConfidence: 'witness.decision.confidence',
  decisionRationale: 'witness.decision.rationale',
  governanceMode: 'witness.governance.mode',
  governanceActor: 'witness.governance.actor',
  governanceActorRole: 'witness.governance.actor_role',
  governanceWorkflow: 'witness.governance.workflow',
  governanceOutcome: 'witness.governance.outcome',
  costUsd: 'witness.cost_usd',
} as const;

/** `gen_ai.operation.name` values used by the helpers and wrappers. */
export type GenAiOperation =
  | 'chat'
  | 'text_completion'
  | 'generate_content'
  | 'embeddings'
  | 'invoke_agent'
  | 'create_agent'
  | 'execute_tool';
