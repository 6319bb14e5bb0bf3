/** checkpoints.jsonl: the signed checkpoints, append-only, each fsynced before it is handed out. */
import { closeSync, fstatSync, readFileSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
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
    // A torn last line (a crash or a full disk mid-append) is cut, so the next line is not glued to it.
    const whole = readFileSync(join(auditDir, CHECKPOINTS_FILE)).lastIndexOf(10) + 1;
    if (fstatSync(this.fd).size > whole) ftruncateSync(this.fd, whole);
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
    const line = Buffer.from(`${JSON.stringify(cp)}\n`);
    const before = fstatSync(this.fd).size;
    try {
      const written = writeSync(this.fd, line);
      if (written !== line.length)
        throw new Error(`short write of a checkpoint (${written} of ${line.length} bytes)`);
      fsyncSync(this.fd);
    } catch (err) {
      // a disk that filled up mid-line: cut the partial line, so the next checkpoint starts a whole one
      try {
        ftruncateSync(this.fd, before);
      } catch {
        // read-only now: the reader skips a torn last line (readCheckpointLines); the next start cuts it
      }
      throw err;
    }
    this.list.push(cp);
    return cp;
  }

  close(): void {
    closeSync(this.fd);
  }
}
