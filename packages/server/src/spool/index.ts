/**
 * spool: the ingest node's durable fallback when the store is down or slow. Batches are acknowledged
 * once fsynced here, replayed in order when the store is back, and deleted only after it committed
 * them (docs/spool.md).
 */
export { decodeBatch, encodeBatch } from './batch-codec.js';
export { FRAME_HEADER_BYTES, frame, readFrames } from './frame.js';
export { Replayer, type ReplayerOptions } from './replayer.js';
export { Spool, type SpoolEntry, SpoolFullError, type SpoolOptions } from './spool.js';
export { faultyStore, type StoreFault } from './fault-store.js';
export { registerSpoolMetrics } from './spool-metrics.js';
