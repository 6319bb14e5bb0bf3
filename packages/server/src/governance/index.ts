/**
 * governance: CEL policies evaluated on every span at ingest, their violations (table, audit entries,
 * /metrics, API), prescriptive-language detection. See docs/governance.md.
 */
export { Governance, type GovernanceOptions, PRESCRIPTIVE_ATTR, VIOLATION_AUDIT_TYPE } from './governance.js';
export { governanceRoutes } from './governance-routes.js';
export {
  type CompiledPolicy,
  compilePolicy,
  PolicyError,
  type PolicyMatch,
  PolicySet,
  type PolicySpec,
} from './policy-set.js';
export { detectPrescriptive, PRESCRIPTIVE_TYPES, type PrescriptiveType } from './prescriptive.js';
export { spanContext } from './span-context.js';
export { spanFromJson, spansFromSample } from './span-from-json.js';
export { TraceTotalsCache } from './trace-totals.js';
export { type ViolationRow, ViolationStore } from './violation-store.js';
