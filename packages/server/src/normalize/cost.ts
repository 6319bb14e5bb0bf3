import { type ModelPrice, PRICE_TABLE } from './price-table.js';

/** Longest keys first, so the first match is the longest known prefix. */
const FAMILIES = Object.keys(PRICE_TABLE).sort((a, b) => b.length - a.length);

/** Vendor prefixes some clouds put in front of the model id (Bedrock: `us.anthropic.claude-…`). */
const VENDOR_PREFIXES = ['anthropic.', 'openai.', 'google.'];

// Model names repeat endlessly on the ingest path: remember the answer (bounded, cleared when full).
const CACHE_LIMIT = 4096;
const cache = new Map<string, ModelPrice | null>();

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * True when `rest` (what follows a family key) starts a variant of that family rather than a different
 * model: end of name, `@`/`:` (Vertex/Bedrock versions), or `-` followed by something other than a
 * short number. `-20241022` and `-2024-08-06` are dates (same family); `-1` in `claude-opus-4-1` or `.3`
 * in `gpt-5.3` is a different version, which must not be priced as its older sibling.
 */
function continuesFamily(rest: string): boolean {
  if (rest.length === 0) return true;
  const c = rest.charCodeAt(0);
  if (c === 64 /* @ */ || c === 58 /* : */) return true;
  if (c !== 45 /* - */) return false;
  let digits = 0;
  while (digits + 1 < rest.length && isDigit(rest.charCodeAt(digits + 1))) digits++;
  return digits === 0 || digits >= 4;
}

function lookup(model: string): ModelPrice | null {
  let name = model.trim().toLowerCase();
  // `openai/gpt-4o`, `models/gemini-2.5-pro`, `publishers/google/models/gemini-…`: the id is the last part.
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  for (const prefix of VENDOR_PREFIXES) {
    const at = name.indexOf(prefix);
    if (at >= 0) {
      name = name.slice(at + prefix.length);
      break;
    }
  }
  for (const family of FAMILIES) {
    if (name.startsWith(family) && continuesFamily(name.slice(family.length))) return PRICE_TABLE[family]!;
  }
  return null;
}

/** The price of a model by its reported name (dated and provider-prefixed names match their family). */
export function priceFor(model: string): ModelPrice | null {
  let price = cache.get(model);
  if (price === undefined) {
    price = lookup(model);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(model, price);
  }
  return price;
}

export interface TokenUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens?: number | null;
  reasoningTokens?: number | null;
}

/**
 * Cost in USD from the price table, or null when the model is unknown or no tokens are known.
 *
 * Input tokens include cache reads (OpenTelemetry GenAI: "SHOULD include all types of input tokens,
 * including cached tokens"), so cache reads are billed at the cached rate and the rest at the input
 * rate. A source that reports cache reads beyond its input count evidently excluded them; then both are
 * billed as given. Output tokens include reasoning tokens (GenAI: reasoning "SHOULD be included in
 * output_tokens"), unless reasoning exceeds output, which again means they were reported apart.
 */
export function computeCostUsd(model: string | null, usage: TokenUsage): number | null {
  return costOfTokens(
    model,
    usage.inputTokens,
    usage.outputTokens,
    usage.cacheReadTokens ?? null,
    usage.reasoningTokens ?? null,
  );
}

/** computeCostUsd with positional arguments: the normalizer's allocation-free form. */
export function costOfTokens(
  model: string | null,
  inputTokens: number | null,
  outputTokens: number | null,
  cacheReadTokens: number | null,
  reasoningTokens: number | null,
): number | null {
  if (model === null) return null;
  const cacheRead = cacheReadTokens ?? 0;
  const reasoning = reasoningTokens ?? 0;
  if (inputTokens === null && outputTokens === null && cacheRead === 0 && reasoning === 0) return null;
  const price = priceFor(model);
  if (price === null) return null;

  const input = inputTokens ?? 0;
  const uncached = input >= cacheRead ? input - cacheRead : input;
  const output = outputTokens ?? 0;
  const billedOutput = reasoning > output ? output + reasoning : output;
  const usd =
    (uncached * price.input + cacheRead * (price.cachedInput ?? price.input) + billedOutput * price.output) /
    1_000_000;
  // Twelve decimals: far below a cent, and free of binary-fraction noise like 0.30000000000000004.
  return Math.round(usd * 1e12) / 1e12;
}
