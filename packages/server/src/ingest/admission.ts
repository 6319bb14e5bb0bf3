export interface AdmissionOptions {
  /** Most request bytes held at once: bodies being read, decompressed, decoded and stored. */
  maxInFlightBytes: number;
  /** Most requests whose body is read and that are being decoded and stored at once. */
  maxInFlightBatches: number;
}

/** One admitted request. Its bytes grow as its body arrives and is decompressed; release once answered. */
export interface AdmissionTicket {
  /** Holds `bytes` more; false (holding nothing more) when that would pass the byte bound: answer 429. */
  grow(bytes: number): boolean;
  /** The body is read: take one of the `maxInFlightBatches` slots; false when they are all taken. */
  startBatch(): boolean;
  /** Gives back its bytes and its slot. Safe to call twice. */
  release(): void;
}

/*
 * The last eighth of the byte budget is kept for small requests (at most 1/64 of the budget each):
 * a few clients trickling large bodies can hold most of the budget until the request timeout cuts
 * them, but an ordinary exporter batch is still admitted meanwhile.
 */
const SMALL_SHARE = 1 / 64;
const KEPT_FOR_SMALL = 1 / 8;

/**
 * Bounds the work queued behind the store, and the memory held by request bodies, *before* they are
 * read: a request is admitted by its declared Content-Length, and then by its bytes as they arrive
 * (chunked bodies, and gunzip output). When full, the caller answers 429 with Retry-After and the OTLP
 * exporter retries later: better than buffering without bound until the process runs out of memory.
 */
export class Admission {
  private bytes = 0;
  private batches = 0;
  rejected = 0;

  constructor(private readonly options: AdmissionOptions) {}

  /**
   * Admits a request that announces `declaredBytes` (0 when it sends no Content-Length): a ticket, or
   * null when the bytes would pass the bound. A lone request is always admitted, so a budget below
   * `limits.maxRequestBytes` cannot refuse everything.
   */
  tryAcquire(declaredBytes: number): AdmissionTicket | null {
    if (!this.fits(0, declaredBytes)) {
      this.rejected++;
      return null;
    }
    this.bytes += declaredBytes;
    let held = declaredBytes;
    let batch = false;
    let released = false;
    return {
      grow: (n) => {
        if (released) return false;
        if (!this.fits(held, n)) {
          this.rejected++;
          return false;
        }
        held += n;
        this.bytes += n;
        return true;
      },
      startBatch: () => {
        if (released || batch) return !released;
        if (this.batches >= this.options.maxInFlightBatches) {
          this.rejected++;
          return false;
        }
        batch = true;
        this.batches++;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.bytes -= held;
        if (batch) this.batches--;
      },
    };
  }

  /** May a request already holding `held` bytes hold `more`? */
  private fits(held: number, more: number): boolean {
    const others = this.bytes - held;
    if (others === 0) return true; // alone
    const max = this.options.maxInFlightBytes;
    const total = held + more;
    const limit = total <= max * SMALL_SHARE ? max : max * (1 - KEPT_FOR_SMALL);
    return others + total <= limit;
  }

  get inFlight(): { bytes: number; batches: number } {
    return { bytes: this.bytes, batches: this.batches };
  }
}
