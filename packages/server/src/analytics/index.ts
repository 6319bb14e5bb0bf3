/**
 * analytics: sessions, users, feature usage, cost attribution and funnels, computed by the store
 * (issue 17, items 1–4; docs/analytics.md), and the budgets that alerting watches.
 */
export { type AnalyticsRoutesOptions, analyticsRoutes, usageRange, usageStep } from './routes.js';
export { budgetRules, withBudgetRules } from './budgets.js';
