/**
 * Recover an LLM conversation from whichever convention the span used: GenAI `gen_ai.input.messages` /
 * `gen_ai.output.messages` (parts), OpenInference `llm.input_messages.N.message.*`, legacy
 * `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`, or the normalized `input`/`output` text.
 */
import type { Attributes, AttrValue, SpanJson } from '@witness/protocol';

export type ChatPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_call'; name: string; args: string; id?: string }
  | { type: 'tool_result'; content: string; id?: string };

export interface ChatMessage {
  role: string;
  parts: ChatPart[];
  finishReason?: string;
}

export interface Conversation {
  input: ChatMessage[];
  output: ChatMessage[];
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v, null, 2);

function parseMaybeJson(v: AttrValue | undefined): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('[') || t.startsWith('{'))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

function toParts(content: unknown): ChatPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [{ type: 'text', text: str(content) }];
  const parts: ChatPart[] = [];
  for (const p of content) {
    if (typeof p === 'string') {
      parts.push({ type: 'text', text: p });
      continue;
    }
    const o = (p ?? {}) as Record<string, unknown>;
    const type = String(o.type ?? 'text');
    if (type === 'tool_call' || type === 'function_call' || type === 'tool_use')
      parts.push({
        type: 'tool_call',
        name: str(o.name),
        args: str(o.arguments ?? o.input ?? o.args),
        id: o.id as string | undefined,
      });
    else if (type === 'tool_call_response' || type === 'tool_result' || type === 'function_call_output')
      parts.push({
        type: 'tool_result',
        content: str(o.response ?? o.result ?? o.content ?? o.output),
        id: o.id as string | undefined,
      });
    else if (type === 'reasoning' || type === 'thinking')
      parts.push({ type: 'reasoning', text: str(o.content ?? o.text ?? o.thinking) });
    else parts.push({ type: 'text', text: str(o.content ?? o.text ?? o) });
  }
  return parts;
}

/** One message object in GenAI, OpenAI or Anthropic shape. */
function toMessage(m: unknown, fallbackRole: string): ChatMessage {
  if (typeof m === 'string') return { role: fallbackRole, parts: [{ type: 'text', text: m }] };
  const o = (m ?? {}) as Record<string, unknown>;
  const msg = (o.message && typeof o.message === 'object' ? o.message : o) as Record<string, unknown>;
  const parts = toParts(msg.parts ?? msg.content);
  if (Array.isArray(msg.tool_calls)) {
    for (const tc of msg.tool_calls as Record<string, unknown>[]) {
      const fn = (tc.function ?? tc) as Record<string, unknown>;
      parts.push({
        type: 'tool_call',
        name: str(fn.name),
        args: str(fn.arguments),
        id: tc.id as string | undefined,
      });
    }
  }
  return {
    role: str(msg.role) || fallbackRole,
    parts,
    finishReason: (msg.finish_reason ?? o.finish_reason) as string | undefined,
  };
}

function toMessages(v: unknown, fallbackRole: string): ChatMessage[] | null {
  const parsed = parseMaybeJson(v as AttrValue);
  if (parsed === undefined || parsed === null || parsed === '') return null;
  if (Array.isArray(parsed)) return parsed.map((m) => toMessage(m, fallbackRole));
  if (typeof parsed === 'object') {
    const o = parsed as Record<string, unknown>;
    if (Array.isArray(o.messages)) return o.messages.map((m) => toMessage(m, fallbackRole));
    if (Array.isArray(o.choices))
      return o.choices.map((c) => toMessage((c as Record<string, unknown>).message ?? c, fallbackRole));
    if ('role' in o || 'content' in o || 'parts' in o) return [toMessage(o, fallbackRole)];
  }
  return [{ role: fallbackRole, parts: [{ type: 'text', text: str(parsed) }] }];
}

/** `prefix.N.role` / `prefix.N.content` (and OpenInference's `prefix.N.message.role`) flattened keys. */
function indexedMessages(attrs: Attributes, prefix: string, fallbackRole: string): ChatMessage[] | null {
  const byIndex = new Map<number, Record<string, AttrValue>>();
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length).replace(/^\.?(\d+)\.(message\.)?/, '$1|');
    const [idx, field] = rest.split('|');
    if (field === undefined || !/^\d+$/.test(idx!)) continue;
    const i = Number(idx);
    if (!byIndex.has(i)) byIndex.set(i, {});
    byIndex.get(i)![field] = value;
  }
  if (byIndex.size === 0) return null;
  return [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, f]) => ({
      role: str(f.role) || fallbackRole,
      parts: toParts(f.content ?? f.contents),
      finishReason: f.finish_reason as string | undefined,
    }));
}

export function conversationOf(span: SpanJson): Conversation | null {
  const a = span.attributes;
  const system = a['gen_ai.system_instructions'];
  let input =
    toMessages(a['gen_ai.input.messages'], 'user') ??
    indexedMessages(a, 'llm.input_messages', 'user') ??
    indexedMessages(a, 'gen_ai.prompt', 'user') ??
    toMessages(span.input, 'user');
  const output =
    toMessages(a['gen_ai.output.messages'], 'assistant') ??
    indexedMessages(a, 'llm.output_messages', 'assistant') ??
    indexedMessages(a, 'gen_ai.completion', 'assistant') ??
    toMessages(span.output, 'assistant');
  if (system !== undefined && system !== null) {
    const sys = toMessages(system, 'system') ?? [];
    input = [...sys.map((m) => ({ ...m, role: 'system' })), ...(input ?? [])];
  }
  if (!input?.length && !output?.length) return null;
  return { input: input ?? [], output: output ?? [] };
}

/** Pretty-print JSON text; other text unchanged. */
export function prettyText(v: string | null | undefined): string {
  if (!v) return '';
  const parsed = parseMaybeJson(v);
  return typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2);
}
