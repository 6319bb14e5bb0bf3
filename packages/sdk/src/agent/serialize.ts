/** Payloads (tool arguments, results, messages) are capped so one huge value cannot bloat a batch. */
export const MAX_PAYLOAD_CHARS = 32_768;

/** JSON text of any value, never throwing (cycles, BigInt), truncated to `MAX_PAYLOAD_CHARS`. */
export function toPayload(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      // no replacer on the first try: a replacer function takes JSON.stringify off its fast path
      text = JSON.stringify(value) ?? String(value);
    } catch {
      try {
        text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
      } catch {
        text = String(value); // cycles
      }
    }
  }
  return text.length > MAX_PAYLOAD_CHARS ? `${text.slice(0, MAX_PAYLOAD_CHARS)}…[truncated]` : text;
}

/** A chat message in the GenAI semantic-conventions shape (`role` + typed `parts`). */
export interface GenAiMessage {
  role: string;
  parts: Array<Record<string, unknown>>;
  finish_reason?: string;
}

/**
 * Converts the common provider message shapes ({role, content: string | parts[]}) to GenAI
 * messages; messages already in GenAI shape pass through.
 */
export function toGenAiMessages(messages: unknown): GenAiMessage[] | undefined {
  if (messages === undefined || messages === null) return undefined;
  const list = Array.isArray(messages) ? messages : [messages];
  return list.map((m): GenAiMessage => {
    if (typeof m === 'string') return { role: 'user', parts: [{ type: 'text', content: m }] };
    const o = (m ?? {}) as Record<string, unknown>;
    if (Array.isArray(o.parts)) return o as unknown as GenAiMessage;
    const parts: Array<Record<string, unknown>> = [];
    const content = o.content;
    if (o.role === 'tool') {
      parts.push({ type: 'tool_call_response', id: o.tool_call_id, response: content });
      return { role: 'tool', parts };
    }
    if (typeof content === 'string') parts.push({ type: 'text', content });
    else if (Array.isArray(content)) {
      for (const c of content) {
        const p = (c ?? {}) as Record<string, unknown>;
        if (p.type === 'text' || p.type === 'input_text' || p.type === 'output_text')
          parts.push({ type: 'text', content: p.text });
        else if (p.type === 'tool_use')
          parts.push({ type: 'tool_call', id: p.id, name: p.name, arguments: p.input });
        else if (p.type === 'tool_result')
          parts.push({ type: 'tool_call_response', id: p.tool_use_id, response: p.content });
        else parts.push(p);
      }
    }
    if (Array.isArray(o.tool_calls)) {
      for (const tc of o.tool_calls as Array<Record<string, unknown>>) {
        const fn = (tc.function ?? {}) as Record<string, unknown>;
        parts.push({ type: 'tool_call', id: tc.id, name: fn.name, arguments: fn.arguments });
      }
    }
    return { role: String(o.role ?? 'user'), parts };
  });
}
