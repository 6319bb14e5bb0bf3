/**
 * The server's view of the keys file. The CLI changes the file while the server runs, so the server
 * polls it (a stat every `pollMs`, a re-read only when its inode, size or mtime moved): a revoked key
 * stops working within about `pollMs`. fs.watch is not used: it misses atomic renames on some
 * filesystems (and on bind mounts in containers), and a stat four times a second costs nothing.
 *
 * A file that cannot be read or parsed keeps the previous set in force and is reported; it cannot be
 * half-written (key-file.ts replaces it atomically).
 */
import { statSync } from 'node:fs';
import type { StoredKey } from './api-key.js';
import { readKeysFile } from './key-file.js';

export interface KeyStoreOptions {
  path: string;
  /** @default 250 */
  pollMs?: number;
  /** After every (re)load, with the whole set. */
  onLoad?: (keys: readonly StoredKey[]) => void;
  onError?: (err: unknown) => void;
}

export class KeyStore {
  private byId = new Map<string, StoredKey>();
  private signature = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: KeyStoreOptions) {}

  /** Loads now (throwing if the file is unreadable: better not to start than to start keyless) and polls. */
  start(): void {
    this.reload(true);
    this.timer = setInterval(() => this.reload(false), this.options.pollMs ?? 250);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get(id: string): StoredKey | undefined {
    return this.byId.get(id);
  }

  get keys(): StoredKey[] {
    return [...this.byId.values()];
  }

  /** Re-reads if the file changed. Exposed so tests and the CLI-facing paths need not wait a poll. */
  reload(strict = false): void {
    let signature: string;
    try {
      const s = statSync(this.options.path, { throwIfNoEntry: false });
      signature = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'absent';
    } catch (err) {
      if (strict) throw err;
      this.options.onError?.(err);
      return;
    }
    if (signature === this.signature) return;
    try {
      const { keys } = readKeysFile(this.options.path);
      this.byId = new Map(keys.map((k) => [k.id, k]));
      this.signature = signature;
      this.options.onLoad?.(keys);
    } catch (err) {
      if (strict) throw err;
      // remember the bad signature, so one bad file is reported once, not every poll
      this.signature = signature;
      this.options.onError?.(err);
    }
  }
}
