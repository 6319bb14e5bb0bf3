/**
 * List prices of current OpenAI, Anthropic and Google models, in USD per million tokens, standard
 * (non-batch, non-priority) tier, shortest-context band where a model has several.
 *
 * Sources (keep this list honest when you edit the table):
 * - OpenAI:    https://platform.openai.com/docs/pricing (developers.openai.com/api/docs/pricing)
 * - Anthropic: https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing"; cache hits column)
 * - Google:    https://ai.google.dev/gemini-api/docs/pricing (Gemini Developer API, paid tier, ≤200k prompt)
 * `verifiedOn` is the day the figures were checked. This machine cannot reach those pages: they were
 * read from stored copies (Anthropic's own table; OpenAI's and Google's through pages quoting them).
 * Entries marked `unchecked` could not be confirmed that day and carry earlier known list prices.
 * Re-check before relying on a figure for billing. Reasoning tokens are billed as output by all three.
 *
 * Keys are model families: a reported name matches the longest key it starts with, at a name boundary
 * (see cost.ts), so `gpt-4o-2024-08-06` is `gpt-4o` and `claude-3-5-sonnet-20241022` is
 * `claude-3-5-sonnet`.
 */
export const verifiedOn = '2026-11-23';

export type PricedProvider = 'openai' | 'anthropic' | 'google';

export interface ModelPrice {
  provider: PricedProvider;
  /** USD per 1M uncached input tokens. */
  input: number;
  /** USD per 1M input tokens served from the provider's prompt cache (null: billed as input). */
  cachedInput: number | null;
  /** USD per 1M output tokens, reasoning tokens included. */
  output: number;
}

const openai = (input: number, cachedInput: number | null, output: number): ModelPrice => ({
  provider: 'openai',
  input,
  cachedInput,
  output,
});
const anthropic = (input: number, cachedInput: number, output: number): ModelPrice => ({
  provider: 'anthropic',
  input,
  cachedInput,
  output,
});
const google = (input: number, cachedInput: number | null, output: number): ModelPrice => ({
  provider: 'google',
  input,
  cachedInput,
  output,
});

export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  // OpenAI — GPT-5.x
  'gpt-5.5': openai(5, 0.5, 30),
  'gpt-5.5-pro': openai(30, null, 180),
  'gpt-5.4': openai(2.5, 0.25, 15),
  'gpt-5.4-mini': openai(0.75, 0.075, 4.5),
  'gpt-5.4-nano': openai(0.2, 0.02, 1.25),
  'gpt-5.4-pro': openai(30, null, 180),
  'gpt-5.2': openai(1.75, 0.175, 14), // unchecked
  'gpt-5.2-pro': openai(21, null, 168), // unchecked
  'gpt-5.1': openai(1.25, 0.125, 10),
  'gpt-5': openai(1.25, 0.125, 10),
  'gpt-5-mini': openai(0.25, 0.025, 2),
  'gpt-5-nano': openai(0.05, 0.005, 0.4),
  'gpt-5-pro': openai(15, null, 120),
  // OpenAI — GPT-4.x and reasoning models
  'gpt-4.1': openai(2, 0.5, 8),
  'gpt-4.1-mini': openai(0.4, 0.1, 1.6),
  'gpt-4.1-nano': openai(0.1, 0.025, 0.4),
  'gpt-4o': openai(2.5, 1.25, 10),
  'gpt-4o-mini': openai(0.15, 0.075, 0.6),
  'gpt-4-turbo': openai(10, null, 30), // unchecked
  'gpt-4': openai(30, null, 60), // unchecked
  'gpt-3.5-turbo': openai(0.5, null, 1.5),
  o1: openai(15, 7.5, 60),
  'o1-mini': openai(1.1, 0.55, 4.4), // unchecked
  'o1-pro': openai(150, null, 600), // unchecked
  o3: openai(2, 0.5, 8),
  'o3-mini': openai(1.1, 0.55, 4.4),
  'o3-pro': openai(20, null, 80),
  'o4-mini': openai(1.1, 0.275, 4.4),
  'text-embedding-3-small': openai(0.02, null, 0),
  'text-embedding-3-large': openai(0.13, null, 0),
  'text-embedding-ada-002': openai(0.1, null, 0), // unchecked

  // Anthropic — cachedInput is the "cache hits & refreshes" rate (0.1× input).
  'claude-fable-5-1': anthropic(10, 0.25, 50),
  'claude-fable-5': anthropic(10, 1, 50),
  'claude-mythos-5-1': anthropic(10, 0.25, 50),
  'claude-mythos-5': anthropic(10, 1, 50),
  'claude-opus-5': anthropic(5, 0.5, 25),
  'claude-opus-4-8': anthropic(5, 0.5, 25),
  'claude-opus-4-7': anthropic(5, 0.5, 25),
  'claude-opus-4-6': anthropic(5, 0.5, 25),
  'claude-opus-4-5': anthropic(5, 0.5, 25),
  'claude-opus-4-1': anthropic(15, 1.5, 75),
  'claude-opus-4': anthropic(15, 1.5, 75),
  // Sonnet 5.5 cache hits were cut to 0.05× input on 2026-10-07.
  'claude-sonnet-5-5': anthropic(2, 0.1, 10),
  'claude-sonnet-5': anthropic(2, 0.2, 10),
  'claude-sonnet-4-6': anthropic(3, 0.3, 15),
  'claude-sonnet-4-5': anthropic(3, 0.3, 15),
  'claude-sonnet-4': anthropic(3, 0.3, 15),
  // Haiku 5.5: prompts up to 100k tokens (above that Anthropic bills 5× on every token).
  'claude-haiku-5-5': anthropic(0.1, 0.01, 0.5),
  'claude-haiku-4-5': anthropic(1, 0.1, 5),
  'claude-3-7-sonnet': anthropic(3, 0.3, 15),
  'claude-3-5-sonnet': anthropic(3, 0.3, 15),
  'claude-3-5-haiku': anthropic(0.8, 0.08, 4),
  'claude-3-opus': anthropic(15, 1.5, 75),
  'claude-3-haiku': anthropic(0.25, 0.03, 1.25),

  // Google — Gemini Developer API; cachedInput is the context-caching read rate.
  'gemini-3.5-flash': google(1.5, null, 9),
  'gemini-3.1-pro': google(2, 0.2, 12),
  'gemini-3-pro': google(2, 0.2, 12),
  'gemini-3-flash': google(0.5, 0.05, 3),
  'gemini-3.1-flash-lite': google(0.25, 0.025, 1.5),
  'gemini-2.5-pro': google(1.25, 0.125, 10),
  'gemini-2.5-flash': google(0.3, 0.03, 2.5),
  'gemini-2.5-flash-lite': google(0.1, 0.01, 0.4),
  'gemini-2.0-flash': google(0.1, 0.025, 0.4),
  'gemini-2.0-flash-lite': google(0.075, null, 0.3),
  'gemini-embedding-001': google(0.15, null, 0),
};
