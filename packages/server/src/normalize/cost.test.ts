import { describe, expect, it } from 'vitest';
import { computeCostUsd, priceFor } from './cost.js';
import { PRICE_TABLE, verifiedOn } from './price-table.js';

describe('priceFor', () => {
  it('matches dated model names to their family', () => {
    expect(priceFor('gpt-4o-2024-08-06')).toBe(PRICE_TABLE['gpt-4o']);
    expect(priceFor('gpt-4o-mini-2024-07-18')).toBe(PRICE_TABLE['gpt-4o-mini']);
    expect(priceFor('claude-3-5-sonnet-20241022')).toBe(PRICE_TABLE['claude-3-5-sonnet']);
    expect(priceFor('claude-sonnet-4-5-20250929')).toBe(PRICE_TABLE['claude-sonnet-4-5']);
    expect(priceFor('claude-opus-4-20250514')).toBe(PRICE_TABLE['claude-opus-4']);
    expect(priceFor('gemini-2.5-pro-preview-05-06')).toBe(PRICE_TABLE['gemini-2.5-pro']);
    expect(priceFor('o3-mini-2025-01-31')).toBe(PRICE_TABLE['o3-mini']);
  });

  it('strips provider prefixes and cloud version suffixes', () => {
    expect(priceFor('openai/gpt-4o')).toBe(PRICE_TABLE['gpt-4o']);
    expect(priceFor('models/gemini-2.5-flash')).toBe(PRICE_TABLE['gemini-2.5-flash']);
    expect(priceFor('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toBe(PRICE_TABLE['claude-3-5-sonnet']);
    expect(priceFor('claude-3-5-sonnet-v2@20241022')).toBe(PRICE_TABLE['claude-3-5-sonnet']);
    expect(priceFor('GPT-4o')).toBe(PRICE_TABLE['gpt-4o']);
  });

  it('prefers the longest family and never prices a newer version as an older sibling', () => {
    expect(priceFor('gemini-2.5-flash-lite')).toBe(PRICE_TABLE['gemini-2.5-flash-lite']);
    expect(priceFor('claude-opus-4-1-20250805')).toBe(PRICE_TABLE['claude-opus-4-1']);
    expect(priceFor('claude-sonnet-5-5')).toBe(PRICE_TABLE['claude-sonnet-5-5']);
    expect(priceFor('claude-sonnet-5')).toBe(PRICE_TABLE['claude-sonnet-5']);
    // Unknown versions must stay unpriced rather than borrow `gpt-5` / `claude-opus-4` prices.
    expect(priceFor('gpt-5.3-codex')).toBeNull();
    expect(priceFor('claude-opus-4-9')).toBeNull();
    expect(priceFor('gpt-4o1')).toBeNull();
    expect(priceFor('llama-3.1-70b')).toBeNull();
  });

  it('records the day the table was verified', () => {
    expect(verifiedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('computeCostUsd', () => {
  it('bills input and output at the family price', () => {
    // gpt-4o: $2.50 in, $10 out per 1M.
    expect(computeCostUsd('gpt-4o-2024-08-06', { inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(
      0.0025 + 0.005,
      12,
    );
  });

  it('bills cache reads (included in input) at the cached rate', () => {
    // claude-sonnet-4-5: $3 in, $0.30 cached, $15 out. 10k input of which 8k cache reads.
    const usd = computeCostUsd('claude-sonnet-4-5', {
      inputTokens: 10_000,
      outputTokens: 0,
      cacheReadTokens: 8000,
    });
    expect(usd).toBeCloseTo((2000 * 3 + 8000 * 0.3) / 1e6, 12);
  });

  it('treats reasoning as part of output, unless reported beyond it', () => {
    const inside = computeCostUsd('o3', { inputTokens: 0, outputTokens: 1000, reasoningTokens: 800 });
    expect(inside).toBeCloseTo((1000 * 8) / 1e6, 12);
    const apart = computeCostUsd('o3', { inputTokens: 0, outputTokens: 200, reasoningTokens: 800 });
    expect(apart).toBeCloseTo((1000 * 8) / 1e6, 12);
  });

  it('is null without a known model or without tokens', () => {
    expect(computeCostUsd(null, { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(computeCostUsd('my-local-model', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(computeCostUsd('gpt-4o', { inputTokens: null, outputTokens: null })).toBeNull();
  });
});
