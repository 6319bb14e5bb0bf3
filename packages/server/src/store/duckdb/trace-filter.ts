/**
 * "Has the store ever seen this trace id?" as a scalable Bloom filter: no false negatives, ~1% false
 * positives, ~1.2 bytes per trace. It lets the span-identity check skip the database for the common
 * case (a batch of traces never seen), which is on the ingest hot path; a positive is confirmed
 * against the database. When a layer fills up, a twice larger one is added (Almeida et al., 2007),
 * so the false-positive rate stays bounded however many traces arrive.
 */

/** Hash functions per layer: optimal for 1% at 9.6 bits per item. */
const K = 7;
const BITS_PER_ITEM = 9.6;

interface Layer {
  bits: Uint32Array;
  /** Number of bits (a power of two, so `& mask` replaces `%`). */
  mask: number;
  capacity: number;
  count: number;
}

function layer(capacity: number): Layer {
  let m = 1024;
  while (m < capacity * BITS_PER_ITEM) m *= 2;
  return { bits: new Uint32Array(m / 32), mask: m - 1, capacity, count: 0 };
}

// Two 32-bit FNV-1a variants in one pass; index i is h1 + i·h2 (Kirsch–Mitzenmacher). Trace ids are
// usually random hex, but not always (sequential test ids), so a real hash, not a slice of the id.
let h1 = 0;
let h2 = 0;
function hashOf(id: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h1 = a >>> 0;
  h2 = (b | 1) >>> 0;
}

function layerHas(l: Layer): boolean {
  for (let i = 0; i < K; i++) {
    const bit = (h1 + Math.imul(i, h2)) & l.mask;
    if ((l.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}

export class TraceFilter {
  private readonly layers: Layer[];

  /** @param expected traces to size the first layer for (at least 65,536). */
  constructor(expected = 0) {
    this.layers = [layer(Math.max(65_536, expected * 2))];
  }

  /** False: the trace was never added. True: it probably was (~1% false positives). */
  has(traceId: string): boolean {
    hashOf(traceId);
    for (const l of this.layers) if (layerHas(l)) return true;
    return false;
  }

  add(traceId: string): void {
    hashOf(traceId);
    for (const l of this.layers) if (layerHas(l)) return;
    let top = this.layers[this.layers.length - 1];
    if (top.count >= top.capacity) {
      top = layer(top.capacity * 2);
      this.layers.push(top);
    }
    for (let i = 0; i < K; i++) {
      const bit = (h1 + Math.imul(i, h2)) & top.mask;
      top.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    top.count++;
  }

  /** Bytes of the bit arrays (for the docs' memory figure and tests). */
  get bytes(): number {
    let n = 0;
    for (const l of this.layers) n += l.bits.byteLength;
    return n;
  }
}
