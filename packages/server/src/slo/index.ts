/** SLOs: the error-budget arithmetic (pure) and the evaluator that keeps every SLO's counts current. */
export * from './burn-rate.js';
export { SloEvaluator, type SloEvaluatorOptions, selectorOf, windowsOf } from './slo-evaluator.js';
export { RESOLUTIONS_MS, resolutionFor, WindowCounter } from './window-counter.js';
export { prometheusRules, RulesError } from './prometheus-rules.js';
export { importOpenSlo, OpenSloError } from './openslo.js';
