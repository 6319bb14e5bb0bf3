import { SPAN_KINDS } from '@witness/protocol';
import type { SpanKind } from '../model/index.js';

/** Each convention's own kind vocabulary, keyed lowercase, mapped by meaning onto Witness's kinds. */

/** `witness.kind`: Witness's own kinds, taken as they are. */
export const WITNESS_KINDS: ReadonlyMap<string, SpanKind> = new Map(SPAN_KINDS.map((k) => [k, k]));

/** `gen_ai.operation.name` (OpenTelemetry GenAI). */
export const GENAI_OPERATION_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['chat', 'llm'],
  ['text_completion', 'llm'],
  ['generate_content', 'llm'],
  ['embeddings', 'embedding'],
  ['execute_tool', 'tool'],
  ['invoke_agent', 'agent'],
  ['create_agent', 'agent'],
  ['invoke_workflow', 'workflow'],
  ['retrieval', 'retrieval'],
]);

/** `openinference.span.kind` (values are upper case on the wire). */
export const OPENINFERENCE_KINDS: ReadonlyMap<string, SpanKind> = withUpperCase([
  ['llm', 'llm'],
  ['agent', 'agent'],
  ['tool', 'tool'],
  ['chain', 'workflow'],
  ['retriever', 'retrieval'],
  // Reranking orders retrieved documents: part of retrieval, not a model call of its own kind.
  ['reranker', 'retrieval'],
  ['embedding', 'embedding'],
  // Guardrails, evaluators and prompt rendering are steps of a run.
  ['guardrail', 'step'],
  ['evaluator', 'step'],
  ['prompt', 'step'],
]);

/** OpenInference sends `LLM`, `CHAIN`…: keep an upper-case twin of each key so lookups need no lowercasing. */
function withUpperCase(entries: [string, SpanKind][]): ReadonlyMap<string, SpanKind> {
  const map = new Map<string, SpanKind>(entries);
  for (const [key, kind] of entries) map.set(key.toUpperCase(), kind);
  return map;
}

/** `traceloop.span.kind` (OpenLLMetry). */
export const TRACELOOP_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['workflow', 'workflow'],
  ['task', 'step'],
  ['agent', 'agent'],
  ['tool', 'tool'],
]);

/** `llm.request.type` (OpenLLMetry's LLM spans, which carry no traceloop.span.kind). */
export const TRACELOOP_REQUEST_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['chat', 'llm'],
  ['completion', 'llm'],
  ['embedding', 'embedding'],
  ['rerank', 'retrieval'],
]);

/** `langfuse.observation.type`. */
export const LANGFUSE_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['generation', 'llm'],
  ['span', 'step'],
  ['event', 'step'],
  ['agent', 'agent'],
  ['tool', 'tool'],
  ['chain', 'workflow'],
  ['retriever', 'retrieval'],
  ['embedding', 'embedding'],
  ['evaluator', 'step'],
  ['guardrail', 'step'],
]);

/**
 * `ai.operationId` (Vercel AI SDK). The top-level call (`ai.generateText`…) wraps its model calls and
 * tool calls, so it is a workflow (as Datadog maps it) and carries no tokens of its own: the inner
 * `doGenerate`/`doStream` spans are the LLM calls, `doEmbed` the embedding calls.
 */
export const AI_SDK_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['ai.generateText', 'workflow'],
  ['ai.streamText', 'workflow'],
  ['ai.generateObject', 'workflow'],
  ['ai.streamObject', 'workflow'],
  ['ai.embed', 'workflow'],
  ['ai.embedMany', 'workflow'],
  ['ai.generateText.doGenerate', 'llm'],
  ['ai.streamText.doStream', 'llm'],
  ['ai.generateObject.doGenerate', 'llm'],
  ['ai.streamObject.doStream', 'llm'],
  ['ai.embed.doEmbed', 'embedding'],
  ['ai.embedMany.doEmbed', 'embedding'],
  ['ai.toolCall', 'tool'],
]);

/** An `ai.operationId` not in the table: its model-call suffix still says what it is. */
export function aiSdkKind(operationId: unknown): SpanKind | null {
  if (typeof operationId !== 'string') return null;
  const known = AI_SDK_KINDS.get(operationId);
  if (known !== undefined) return known;
  if (operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream')) return 'llm';
  if (operationId.endsWith('.doEmbed')) return 'embedding';
  return operationId.startsWith('ai.') ? 'workflow' : null;
}

/** Look a convention's kind value up; exact first (the common case), then lowercased. */
export function kindOf(map: ReadonlyMap<string, SpanKind>, value: unknown): SpanKind | null {
  if (typeof value !== 'string') return null;
  return map.get(value) ?? map.get(value.toLowerCase()) ?? null;
}
