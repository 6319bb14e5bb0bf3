/**
 * The data directory's health on /metrics: failed writes by cause, how long the audit log's fdatasync
 * takes (a slow disk slows every acknowledgement), and the wall clock stepping back under the audit log.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StorageErrno } from './storage-errors.js';

export type StorageWriter = 'ingest' | 'audit' | 'spool';

const SYNC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class StorageMetrics {
  private readonly errors: Counter<'errno' | 'writer'>;
  private readonly syncs: Histogram<'log'>;
  private readonly clockJumps: Counter;
  private readonly clockBehind: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.errors = new Counter({
      name: 'witness_storage_write_errors_total',
      help: 'Writes to the data directory that failed for a storage reason (ENOSPC, EROFS, EACCES, EIO…), by writer.',
      labelNames: ['errno', 'writer'],
      registers,
    });
    // present at 0 from the start, so increase() and the alert see the first error
    this.errors.inc({ errno: 'ENOSPC', writer: 'ingest' }, 0);
    this.syncs = new Histogram({
      name: 'witness_disk_sync_duration_seconds',
      help: 'Time of one fdatasync of a durable log (audit: one per group commit, on the ingest path).',
      labelNames: ['log'],
      buckets: SYNC_BUCKETS,
      registers,
    });
    this.clockJumps = new Counter({
      name: 'witness_clock_backward_jumps_total',
      help: 'Times the wall clock was found behind a time the audit log had already used (clock stepped back).',
      registers,
    });
    this.clockBehind = new Gauge({
      name: 'witness_clock_behind_seconds',
      help: 'How far the wall clock is behind the latest time the audit log used (0 when it is not); audit times hold until it catches up.',
      registers,
    });
  }

  count(errno: StorageErrno, writer: StorageWriter): void {
    this.errors.inc({ errno, writer });
  }

  synced(log: 'audit' | 'spool', seconds: number): void {
    this.syncs.observe({ log }, seconds);
  }

  /** From AuditLog's onClockBehind: a positive value is a new jump, 0 the clock caught up. */
  clock(behindMs: number): void {
    if (behindMs > 0) this.clockJumps.inc();
    this.clockBehind.set(behindMs / 1000);
  }
}
