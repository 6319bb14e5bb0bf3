/**
 * Elects one node for a job that must run once across the cluster (alert evaluation: one alert, one
 * notification) through a lease row in the shared store. Each call to `isLeader` — once per evaluation
 * interval — takes or renews the lease; a node that cannot reach the store, or finds another holder,
 * does not run the job that round. A holder that dies is replaced once its lease expires (ttl).
 */
import type { Leases } from '../store/types.js';

export interface LeaseElectorOptions {
  leases: () => Promise<Leases>;
  /** The lease's name, e.g. `alert-evaluator`. */
  name: string;
  /** This node's identity (node name + a per-process suffix: two processes never share it). */
  owner: string;
  /** How long a taken lease lasts without renewal: a few evaluation intervals. */
  ttlMs: number;
  now?: () => number;
  /** Told when leadership changes (logs). */
  onChange?: (leader: boolean) => void;
  onError?: (err: unknown) => void;
}

export class LeaseElector {
  private leader = false;

  constructor(private readonly options: LeaseElectorOptions) {}

  /** Takes or renews the lease; true when this node holds it now. */
  async isLeader(): Promise<boolean> {
    let now = false;
    try {
      const leases = await this.options.leases();
      now = await leases.acquire(
        this.options.name,
        this.options.owner,
        this.options.ttlMs,
        (this.options.now ?? Date.now)(),
      );
    } catch (err) {
      // the store is unreachable: nobody can be sure to hold the lease, so do not act on it
      this.options.onError?.(err);
    }
    if (now !== this.leader) {
      this.leader = now;
      this.options.onChange?.(now);
    }
    return now;
  }

  get holding(): boolean {
    return this.leader;
  }

  /** Hands the lease over at shutdown (the next node need not wait for it to expire). */
  async release(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    try {
      await (await this.options.leases()).release(this.options.name, this.options.owner);
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
