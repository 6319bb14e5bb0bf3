/**
 * cluster: running Witness as several nodes — what each `--target` serves, the 404 for the rest, and
 * the lease that elects one alert evaluator (docs/scale-out.md).
 */
export { LeaseElector, type LeaseElectorOptions } from './lease-elector.js';
export { roleGate } from './role-gate.js';
export { notServedMessage, runs, serves, TARGETS, type Target } from './targets.js';
export { CheckpointPublisher, type CheckpointPublisherOptions } from './checkpoint-publisher.js';
export { readPublishedCheckpoints, type SharedStoreAddress } from './shared-checkpoints-source.js';
