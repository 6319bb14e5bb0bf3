/**
 * WITNESS_FAULT_FILE=<path>: faults a test turns on and off while the server runs, one per line:
 *
 *   fsync-delay-ms 300       every audit group commit waits this long before its fdatasync (slow disk)
 *   clock-offset-ms -7200000 the audit log's clock reads this far off the wall clock (a clock stepped back)
 *   write-error EROFS        every audit group write fails with this errno (EROFS, ENOSPC, EIO…): a disk
 *                            that turned read-only under the running server, which a test cannot make
 *                            with a real remount (Linux refuses it while files are open for writing)
 *
 * Re-read at most every 50 ms (so a toggle takes effect at once, without a syscall per entry). A missing
 * or unreadable file means no fault. Test-only: never a config key, and the server warns when it is set.
 */
import { readFileSync } from 'node:fs';

export interface FileFaults {
  fsyncDelayMs: number;
  clockOffsetMs: number;
  /** An errno code (e.g. EROFS) every audit group write fails with, or null. */
  writeError: string | null;
}

const NONE: FileFaults = { fsyncDelayMs: 0, clockOffsetMs: 0, writeError: null };

export function parseFaultFile(text: string): FileFaults {
  const out = { ...NONE };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, value] = line.split(/\s+/);
    if (name === 'write-error' && value && /^E[A-Z]+$/.test(value)) {
      out.writeError = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (name === 'fsync-delay-ms') out.fsyncDelayMs = Math.min(Math.max(n, 0), 60_000);
    else if (name === 'clock-offset-ms') out.clockOffsetMs = n;
  }
  return out;
}

export class FaultFile {
  private cached: FileFaults = NONE;
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private readonly maxAgeMs = 50,
  ) {}

  current(): FileFaults {
    const now = performance.now();
    if (now - this.readAt < this.maxAgeMs) return this.cached;
    this.readAt = now;
    try {
      this.cached = parseFaultFile(readFileSync(this.path, 'utf8'));
    } catch {
      this.cached = NONE;
    }
    return this.cached;
  }

  /** The wall clock plus the injected offset. */
  readonly now = (): number => Date.now() + this.current().clockOffsetMs;

  /** Throws the injected write error, if any (before an audit group is written). */
  readonly beforeWrite = async (): Promise<void> => {
    const code = this.current().writeError;
    if (code)
      throw Object.assign(new Error(`${code}: write refused (injected by WITNESS_FAULT_FILE)`), { code });
  };

  /** Waits the injected fsync delay (none: resolves at once). */
  readonly beforeSync = async (): Promise<void> => {
    const ms = this.current().fsyncDelayMs;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  };
}
