import { appendFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DEAD_LETTER_FILE = 'dead-letter.ndjson';

/**
 * Batches a target refused for good (a 4xx other than 408/429: the same bytes would be refused again),
 * one JSON line each: when, why, and the records as queued — so an operator can read why, fix the
 * target or the data, and replay them. Bounded: past `maxBytes` the file is rotated, one previous kept.
 */
export class DeadLetterFile {
  readonly path: string;
  private size: number;

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    this.path = join(dir, DEAD_LETTER_FILE);
    try {
      this.size = statSync(this.path).size;
    } catch {
      this.size = 0;
    }
  }

  write(entry: {
    exporter: string;
    project: string;
    items: number;
    status?: number;
    error: string;
    /** The queued frames' JSON payloads. */
    records: string[];
  }): void {
    const line = `${JSON.stringify({
      time: new Date().toISOString(),
      exporter: entry.exporter,
      project: entry.project,
      items: entry.items,
      status: entry.status ?? null,
      error: entry.error,
    }).slice(0, -1)},"batches":[${entry.records.join(',')}]}\n`;
    if (this.size > 0 && this.size + line.length > this.maxBytes) {
      renameSync(this.path, join(this.path, '..', 'dead-letter.1.ndjson'));
      this.size = 0;
    }
    appendFileSync(this.path, line, { mode: 0o600 });
    this.size += Buffer.byteLength(line);
  }
}
