/** checkpoints.jsonl: the signed checkpoints, append-only, each fsynced before it is handed out. */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Checkpoint, signCheckpoint } from './checkpoint.js';
import { CHECKPOINTS_FILE, readCheckpointLines } from './segment-files.js';
import type { SigningKey } from './signing-key.js';

export class CheckpointLog {
  private readonly list: Checkpoint[];
  private readonly fd: number;

  constructor(auditDir: string) {
    this.list = readCheckpointLines(auditDir).map((l) => JSON.parse(l) as Checkpoint);
    this.fd = openSync(join(auditDir, CHECKPOINTS_FILE), 'a');
  }

  latest(): Checkpoint | null {
    return this.list.at(-1) ?? null;
  }

  all(): readonly Checkpoint[] {
    return this.list;
  }

  /** Signs (size, root) with a timestamp that never goes back; durable before it is returned. */
  sign(logId: string, size: number, root: Buffer, key: SigningKey, now: number): Checkpoint {
    const timestamp = Math.max(now, this.latest()?.timestamp ?? 0);
    const cp = signCheckpoint(
      { logId, size, rootHash: root.toString('hex'), timestamp, keyId: key.keyId },
      key.privateKey,
    );
    writeSync(this.fd, `${JSON.stringify(cp)}\n`);
    fsyncSync(this.fd);
    this.list.push(cp);
    return cp;
  }

  close(): void {
    closeSync(this.fd);
  }
}
