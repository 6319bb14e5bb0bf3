/**
 * normalize: semantic conventions → the Witness agent model. Fills the derived AgentFields of decoded
 * SpanRecords in place (see docs/normalization.md for the mapping and its precedence).
 */
export { normalizeSpan, normalizeSpans } from './normalize-spans.js';
export { recordedTextTokens, TOKENS_ESTIMATED_ATTR } from './estimate-tokens.js';
export { computeCostUsd, priceFor, type TokenUsage } from './cost.js';
export { PRICE_TABLE, verifiedOn, type ModelPrice, type PricedProvider } from './price-table.js';
export { WITNESS_ATTR, type WitnessAttributeKey } from './witness-attributes.js';
export { EVALUATION_EVENT, scoreOfLog, scoresOfSpan } from './read-scores.js';
