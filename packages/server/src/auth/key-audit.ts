/**
 * Key creation and revocation in the audit log. The CLI cannot append to the server's audit log (one
 * writer per log), so the server does it when it notices the change in the keys file. Which events it
 * has recorded is kept in a small server-owned file beside the keys, so a key created while the server
 * was down is recorded at the next start, and nothing is recorded twice across restarts.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { StoredKey } from './api-key.js';
import { writePrivateJson } from './private-file.js';

export interface KeyAuditLog {
  append(entry: {
    type: string;
    actor: string | null;
    subject: string | null;
    /** The project the entry belongs to (a key's own). */
    project?: string | null;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}

interface Recorded {
  created: string[];
  revoked: string[];
}

export class KeyAuditor {
  private recorded: Recorded;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: KeyAuditLog,
    private readonly statePath: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.recorded = existsSync(statePath)
      ? (JSON.parse(readFileSync(statePath, 'utf8')) as Recorded)
      : { created: [], revoked: [] };
  }

  /** Records what changed since the last call; calls run one after another. */
  observe(keys: readonly StoredKey[]): Promise<void> {
    this.queue = this.queue.then(() => this.record(keys)).catch(this.onError);
    return this.queue;
  }

  /** Resolves when every observed change is in the log. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async record(keys: readonly StoredKey[]): Promise<void> {
    const created = new Set(this.recorded.created);
    const revoked = new Set(this.recorded.revoked);
    let changed = false;
    for (const k of keys) {
      const details = { name: k.name, project: k.project, scope: k.scope, expiresAt: k.expiresAt };
      if (!created.has(k.id)) {
        await this.log.append({
          type: 'key.created',
          actor: 'witness keys',
          subject: k.id,
          project: k.project,
          details: { ...details, createdAt: k.createdAt },
        });
        created.add(k.id);
        changed = true;
      }
      if (k.revokedAt !== null && !revoked.has(k.id)) {
        await this.log.append({
          type: 'key.revoked',
          actor: 'witness keys',
          subject: k.id,
          project: k.project,
          details: { ...details, revokedAt: k.revokedAt },
        });
        revoked.add(k.id);
        changed = true;
      }
    }
    if (!changed) return;
    this.recorded = { created: [...created], revoked: [...revoked] };
    writePrivateJson(this.statePath, this.recorded);
  }
}
