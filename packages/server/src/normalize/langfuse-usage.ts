import type { AttrValue } from '../model/index.js';

export interface LangfuseUsage {
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  reasoning: number | null;
  total: number | null;
}

/**
 * Reads `langfuse.observation.usage_details` (JSON text, or an object) the way Langfuse itself
 * summarises it: usage types are disjoint buckets, every type whose name contains "input" counts as
 * input and every one containing "output" as output (Langfuse docs, "Token & Cost Tracking"). OpenAI-style
 * `prompt_tokens`/`completion_tokens` count as input/output too. So `{input: 100, input_cached_tokens:
 * 40}` is 140 input tokens of which 40 were cache reads, matching the GenAI meaning of input tokens.
 */
export function parseLangfuseUsage(value: AttrValue | undefined): LangfuseUsage | null {
  const details = asObject(value);
  if (details === null) return null;
  const usage: LangfuseUsage = { input: null, output: null, cacheRead: null, reasoning: null, total: null };
  for (const rawKey in details) {
    const n = details[rawKey];
    if (typeof n !== 'number' || !Number.isFinite(n)) continue;
    addUsage(usage, rawKey.toLowerCase(), n);
  }
  return usage;
}

/** Adds one usage type to the totals (also used for flattened `…usage_details.<type>` attributes). */
export function addUsage(usage: LangfuseUsage, key: string, n: number): void {
  if (key === 'total' || key === 'total_tokens' || key === 'totaltokens') {
    usage.total = n;
    return;
  }
  if (key.includes('input') || key.includes('prompt')) {
    usage.input = (usage.input ?? 0) + n;
    if (key.includes('cached') || (key.includes('cache') && key.includes('read'))) {
      usage.cacheRead = (usage.cacheRead ?? 0) + n;
    }
  } else if (key.includes('output') || key.includes('completion')) {
    usage.output = (usage.output ?? 0) + n;
    if (key.includes('reasoning')) usage.reasoning = (usage.reasoning ?? 0) + n;
  } else if (key.includes('reasoning')) {
    // A bare `reasoning_tokens` bucket is output the model spent thinking.
    usage.output = (usage.output ?? 0) + n;
    usage.reasoning = (usage.reasoning ?? 0) + n;
  }
}

/**
 * `langfuse.observation.cost_details`: provider-reported cost per usage type. Its `total` when present,
 * else the sum of the types (what Langfuse shows).
 */
export function parseLangfuseCost(value: AttrValue | undefined): number | null {
  const details = asObject(value);
  if (details === null) return null;
  let sum: number | null = null;
  for (const key in details) {
    const n = details[key];
    if (typeof n !== 'number' || !Number.isFinite(n)) continue;
    if (key === 'total') return n;
    sum = (sum ?? 0) + n;
  }
  return sum;
}

function asObject(value: AttrValue | undefined): Record<string, AttrValue> | null {
  let v: unknown = value;
  if (typeof v === 'string') {
    if (v.length === 0 || v.charCodeAt(0) !== 123 /* { */) return null;
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  return v as Record<string, AttrValue>;
}
