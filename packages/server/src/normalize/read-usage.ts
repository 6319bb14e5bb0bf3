import type { SpanRecord } from '../model/index.js';
import { found, get, num } from './attribute-scan.js';
import * as S from './attribute-slots.js';
import { costOfTokens } from './cost.js';
import { parseLangfuseCost, parseLangfuseUsage } from './langfuse-usage.js';

/**
 * Token counts, field by field in precedence order; Langfuse usage (JSON or flat keys) fills what the
 * others left, and a total with one side known gives the other side (OpenLLMetry's llm.usage.total_tokens).
 * Returns whether a total was reported.
 */
export function fillUsage(span: SpanRecord): boolean {
  let input =
    num(S.G_INPUT_TOKENS) ?? num(S.G_PROMPT_TOKENS) ?? num(S.OI_PROMPT_TOKENS) ?? num(S.TL_PROMPT_TOKENS);
  let output =
    num(S.G_OUTPUT_TOKENS) ??
    num(S.G_COMPLETION_TOKENS) ??
    num(S.OI_COMPLETION_TOKENS) ??
    num(S.TL_COMPLETION_TOKENS);
  let cacheRead = num(S.G_CACHE_READ) ?? num(S.G_CACHE_READ_OLD) ?? num(S.OI_CACHE_READ);
  let reasoning = num(S.G_REASONING) ?? num(S.OI_REASONING);
  let total = num(S.G_TOTAL_TOKENS) ?? num(S.OI_TOTAL_TOKENS) ?? num(S.TL_TOTAL_TOKENS);
  // AI SDK usage only on its model calls: the top-level span's ai.usage.* is the sum of those (and of
  // its steps), so reading it there would count every token twice in the trace.
  if (span.kind === 'llm' && get(S.AI_OPERATION) !== undefined) {
    input ??= num(S.AI_INPUT_TOKENS);
    output ??= num(S.AI_OUTPUT_TOKENS);
    cacheRead ??= num(S.AI_CACHE_READ);
    reasoning ??= num(S.AI_REASONING);
  } else if (span.kind === 'embedding' && get(S.AI_OPERATION) !== undefined) {
    input ??= num(S.AI_EMBED_TOKENS);
  }
  const lfUsageValue = get(S.LF_USAGE);
  if (lfUsageValue !== undefined || found.lfFlatUsage !== null) {
    const lf = parseLangfuseUsage(lfUsageValue) ?? found.lfFlatUsage;
    if (lf !== null) {
      input ??= lf.input;
      output ??= lf.output;
      cacheRead ??= lf.cacheRead;
      reasoning ??= lf.reasoning;
      total ??= lf.total;
    }
  }
  if (total !== null) {
    if (input !== null && output === null && total >= input) output = total - input;
    else if (output !== null && input === null && total >= output) input = total - output;
  }
  span.inputTokens = input;
  span.outputTokens = output;
  span.cacheReadTokens = cacheRead;
  span.reasoningTokens = reasoning;
  return total !== null;
}

/** Cost: provider-reported cost wins over the price table (which needs model and tokens filled first). */
export function fillCost(span: SpanRecord): void {
  let cost = num(S.W_COST) ?? num(S.G_COST) ?? num(S.OI_COST);
  if (cost === null) {
    const lfCost = get(S.LF_COST);
    cost =
      (lfCost !== undefined ? parseLangfuseCost(lfCost) : null) ??
      found.lfFlatCostTotal ??
      found.lfFlatCostSum;
  }
  span.costUsd =
    cost ??
    costOfTokens(span.model, span.inputTokens, span.outputTokens, span.cacheReadTokens, span.reasoningTokens);
}
