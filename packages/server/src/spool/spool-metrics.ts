/**
 * The spool on /metrics: how much waits (batches, bytes, against the bound), how old the oldest
 * waiting batch is (the outage's length, as far as data is concerned), and what replay did. Read at
 * scrape time from the spool and replayer, so nothing is counted on the ingest path.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Replayer } from './replayer.js';
import type { Spool } from './spool.js';

export function registerSpoolMetrics(registry: Registry, spool: Spool, replayer: Replayer): void {
  const registers = [registry];
  new Gauge({
    name: 'witness_spool_batches',
    help: 'Batches acknowledged from the spool and not yet in the store.',
    registers,
    collect() {
      this.set(spool.depth.batches);
    },
  });
  new Gauge({
    name: 'witness_spool_bytes',
    help: 'Bytes of spooled batches waiting for the store.',
    registers,
    collect() {
      this.set(spool.depth.bytes);
    },
  });
  new Gauge({
    name: 'witness_spool_max_bytes',
    help: 'spool.maxBytes: past it ingest answers 503 + Retry-After.',
    registers,
    collect() {
      this.set(spool.maxBytes);
    },
  });
  new Gauge({
    name: 'witness_spool_oldest_age_seconds',
    help: 'Age of the oldest batch waiting in the spool (0 when empty).',
    registers,
    collect() {
      const oldest = spool.oldestAcceptedAtMs;
      this.set(oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  const counted = (name: string, help: string, read: () => number) => {
    let reported = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = read();
        if (now > reported) this.inc(now - reported);
        reported = now;
      },
    });
  };
  counted(
    'witness_spool_appended_total',
    'Batches written to the spool (the store was down, slow, or behind spooled batches).',
    () => spool.appended,
  );
  counted(
    'witness_spool_replayed_total',
    'Spooled batches the store has since committed.',
    () => replayer.replayed,
  );
  counted(
    'witness_spool_replay_failures_total',
    'Replay attempts the store refused or did not finish in time.',
    () => replayer.failed,
  );
  counted(
    'witness_spool_refused_total',
    'Batches refused with 503 because the spool was full.',
    () => spool.refused,
  );
  counted(
    'witness_spool_discarded_total',
    'Spooled batches set aside unreadable (kept as *.rejected-* files in the spool directory).',
    () => replayer.discarded,
  );
}
