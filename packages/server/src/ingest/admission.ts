export interface AdmissionOptions {
  /** Most decoded request bytes being ingested at once. */
  maxInFlightBytes: number;
  /** Most requests being ingested at once. */
  maxInFlightBatches: number;
}

/**
 * Bounds the work queued behind the store. When full, the caller answers 429 with Retry-After, and the
 * OTLP exporter retries later: better than queueing without bound until the process runs out of memory.
 */
export class Admission {
  private bytes = 0;
  private batches = 0;
  rejected = 0;

  constructor(private readonly options: AdmissionOptions) {}

  /** A release function, or null when over a bound. One request alone is always admitted. */
  tryAcquire(bytes: number): (() => void) | null {
    const overBytes = this.batches > 0 && this.bytes + bytes > this.options.maxInFlightBytes;
    if (overBytes || this.batches >= this.options.maxInFlightBatches) {
      this.rejected++;
      return null;
    }
    this.bytes += bytes;
    this.batches++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.bytes -= bytes;
      this.batches--;
    };
  }

  get inFlight(): { bytes: number; batches: number } {
    return { bytes: this.bytes, batches: this.batches };
  }
}
