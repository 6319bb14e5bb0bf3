/**
 * Token counts estimated from a span's recorded input and output, for LLM calls whose instrumentation
 * reported none (OpenInference and OpenLLMetry record no usage for streamed calls). The tokenizer is
 * gpt-tokenizer's o200k_base (GPT-4o/4.1/5, o-series), whose encoding ships inside the npm package:
 * nothing is downloaded. For other model families it is an approximation, hence the `tokensEstimated`
 * mark on the span. Reported counts are never replaced: only a side that is missing is estimated.
 */
import { createRequire } from 'node:module';
import type { SpanRecord } from '../model/index.js';
import { get } from './attribute-scan.js';
import { W_TOKENS_ESTIMATED } from './attribute-slots.js';
import { WITNESS_ATTR } from './witness-attributes.js';

export const TOKENS_ESTIMATED_ATTR = WITNESS_ATTR.tokensEstimated;

/**
 * Text beyond this many characters is not tokenized: its tokens are extrapolated from the
 * characters-per-token of the sample. Bounds the CPU one hostile span can cost (~1 ms).
 */
export const TOKENIZE_SAMPLE_CHARS = 8192;
/** JSON message text longer than this is counted as plain text rather than parsed. */
const MAX_PARSE_CHARS = 256 * 1024;
/** Nesting followed inside message JSON; deeper parts are not counted. */
const MAX_DEPTH = 32;
/** OpenAI's chat format: each message costs 3 tokens beyond its content, and every reply is primed with 3. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;

type CountTokens = (text: string) => number;
let countTokens: CountTokens | null = null;

/**
 * The encoding (~2 MB of ranks) loads on the first estimate, not at start: most deployments' spans
 * carry their own counts and never need it. Loaded synchronously because normalization is synchronous.
 */
function tokenizer(): CountTokens {
  if (countTokens === null) {
    const require = createRequire(import.meta.url);
    countTokens = (require('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  }
  return countTokens;
}

/** Tokens of plain text; past TOKENIZE_SAMPLE_CHARS extrapolated from the sample's ratio. */
export function textTokens(text: string): number {
  if (text.length === 0) return 0;
  const count = tokenizer();
  if (text.length <= TOKENIZE_SAMPLE_CHARS) return count(text);
  const sample = count(text.slice(0, TOKENIZE_SAMPLE_CHARS));
  return Math.round((sample * text.length) / TOKENIZE_SAMPLE_CHARS);
}

/** Keys whose string values are what the model reads or wrote, across the conventions' message shapes. */
const TEXT_KEYS = new Set(['content', 'text', 'prompt', 'system', 'arguments', 'input', 'output', 'value']);

/** Strings of a parsed message list that the model reads or wrote, and how many messages it holds. */
interface Gathered {
  pieces: string[];
  messages: number;
}

function gather(v: unknown, key: string | null, acc: Gathered, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof v === 'string') {
    if (key === null || TEXT_KEYS.has(key)) acc.pieces.push(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const item of v) gather(item, key, acc, depth + 1);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (typeof o.role === 'string') {
    acc.messages++;
    acc.pieces.push(o.role);
  }
  for (const k in o) if (k !== 'role') gather(o[k], k, acc, depth + 1);
}

/** Tokens of several texts, each counted on its own (as the model sees them), within one sample budget. */
function piecesTokens(pieces: string[]): number {
  let tokens = 0;
  let counted = 0;
  let skipped = 0;
  for (const piece of pieces) {
    if (counted < TOKENIZE_SAMPLE_CHARS) {
      tokens += textTokens(piece);
      counted += piece.length;
    } else skipped += piece.length;
  }
  return skipped === 0 || counted === 0 ? tokens : Math.round(tokens + (skipped * tokens) / counted);
}

/**
 * Tokens of a recorded input or output: JSON message lists (GenAI parts, OpenInference, OpenLLMetry,
 * the AI SDK) are counted by their texts plus OpenAI's per-message overhead (OpenAI's cookbook formula
 * for chat prompts; `prompt` false for a completion); anything else as plain text.
 */
export function recordedTextTokens(recorded: string, prompt = true): number {
  const first = recorded.charCodeAt(0);
  if ((first === 91 /* [ */ || first === 123) /* { */ && recorded.length <= MAX_PARSE_CHARS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(recorded);
    } catch {
      return textTokens(recorded);
    }
    const acc: Gathered = { pieces: [], messages: 0 };
    gather(parsed, null, acc, 0);
    if (acc.pieces.length > 0) {
      // The overhead is billed on prompts; a completion is billed for its content only.
      const overhead =
        prompt && acc.messages > 0 ? acc.messages * TOKENS_PER_MESSAGE + TOKENS_REPLY_PRIMING : 0;
      return piecesTokens(acc.pieces) + overhead;
    }
  }
  return textTokens(recorded);
}

/**
 * Fills a missing input or output count of an LLM span from its recorded text and marks the span.
 * Needs kind, usage and input/output already filled; runs before the cost is priced. Leaves spans with
 * a reported total alone (a total is a reported count, even when it cannot be split).
 */
export function estimateMissingTokens(span: SpanRecord, reportedTotal: boolean): void {
  let estimated = false;
  if (span.kind === 'llm' && !reportedTotal) {
    if (span.inputTokens === null && span.input !== null) {
      span.inputTokens = recordedTextTokens(span.input);
      estimated = true;
    }
    if (span.outputTokens === null && span.output !== null) {
      span.outputTokens = recordedTextTokens(span.output, false);
      estimated = true;
    }
  }
  span.tokensEstimated = estimated;
  // The mark travels with the span's attributes so the store needs no column for it; a client's own
  // `witness.tokens.estimated` is not trusted either way.
  if (estimated) span.attributes[TOKENS_ESTIMATED_ATTR] = true;
  else if (get(W_TOKENS_ESTIMATED) !== undefined) delete span.attributes[TOKENS_ESTIMATED_ATTR];
}
