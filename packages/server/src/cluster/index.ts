/**
 * cluster: running Witness as several nodes — what each `--target` serves, the 404 for the rest, and
 * the lease that elects one alert evaluator (docs/scale-out.md).
 */
export { LeaseElector, type LeaseElectorOptions } from './lease-elector.js';
export { roleGate } from './role-gate.js';
export { notServedMessage, runs, serves, TARGETS, type Target } from './targets.js';
