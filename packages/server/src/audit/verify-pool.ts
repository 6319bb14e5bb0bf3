/**
 * Worker threads for the verifier. Verification is two SHA-256 per entry (the leaf re-hash and the
 * tree rebuild) and both split cleanly: runs of lines check independently, and the tree is assembled
 * from complete aligned subtrees hashed apart (MerkleTree.appendSubtree). The same two jobs run inline
 * when the log is small or one thread is asked for (`inlineRunner`), so both paths share their code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HASH_SIZE, subtreeLevels } from './merkle-tree.js';
import type { SegmentInfo } from './segment-files.js';
import { type HashedLines, hashSegment, readSegmentLines, type SegmentHashes } from './verify-lines.js';

export type VerifyJob =
  | { kind: 'lines'; bytes: SharedArrayBuffer; start: number; end: number }
  | { kind: 'subtree'; leaves: ArrayBuffer };

/**
 * Bytes of payload lines per job. A sealed segment holds up to 64 MiB (~200k entries): one job per
 * segment left all but one worker idle (bench:audit), so segments are cut into runs of whole lines.
 */
const PART_BYTES = 2 * 1024 * 1024;

export interface VerifyRunner {
  /** hashSegment: the whole segment's lines hashed, and what they authorise. */
  segment(seg: SegmentInfo): Promise<SegmentHashes>;
  /** Every level of the complete subtree over `leaves` (2^k hashes): [leaves, level 1, …, root]. */
  subtree(leaves: Buffer): Promise<Buffer[]>;
  close(): Promise<void>;
}

export const inlineRunner: VerifyRunner = {
  segment: async (seg) => hashSegment(seg),
  subtree: async (leaves) => [leaves, ...subtreeLevels(leaves)],
  close: async () => {},
};

interface Task {
  id: number;
  job: VerifyJob;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

export class VerifyPool implements VerifyRunner {
  private readonly idle: Worker[] = [];
  private readonly workers: Worker[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<Worker, Task>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;

  /** @param partBytes payload bytes per line job (smaller in tests, to cut small segments into many runs) */
  constructor(
    threads: number,
    private readonly partBytes = PART_BYTES,
  ) {
    for (let i = 0; i < threads; i++) {
      const w = startWorker();
      w.on('message', (m: { id: number; result?: unknown; error?: string }) => this.done(w, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`verify worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /**
   * This thread reads (and gunzips: one stream, so one thread) the payload into shared memory while
   * the workers hash subtrees; the workers then hash runs of its lines in parallel, in place.
   */
  async segment(seg: SegmentInfo): Promise<SegmentHashes> {
    const read = readSegmentLines(seg);
    if (read.kind !== 'bytes') return read;
    const { bytes, end } = read;
    const shared = new SharedArrayBuffer(end);
    const view = Buffer.from(shared);
    bytes.copy(view, 0, 0, end);
    const parts: Promise<unknown>[] = [];
    for (let a = 0; a < end; ) {
      const b = a + this.partBytes >= end ? end : view.indexOf(10, a + this.partBytes) + 1;
      parts.push(this.submit({ kind: 'lines', bytes: shared, start: a, end: b }));
      a = b;
    }
    const merged = mergeRuns((await Promise.all(parts)) as HashedLines[]);
    return { kind: 'lines', complete: read.complete, ...merged };
  }

  async subtree(leaves: Buffer): Promise<Buffer[]> {
    const levels = Buffer.from((await this.submit({ kind: 'subtree', leaves: copy(leaves) })) as ArrayBuffer);
    const out = [leaves];
    let at = 0;
    for (let width = leaves.length / HASH_SIZE / 2; width >= 1; width /= 2) {
      out.push(levels.subarray(at, at + width * HASH_SIZE));
      at += width * HASH_SIZE;
    }
    return out;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private submit(job: VerifyJob): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const task = this.queue.shift() as Task;
      this.running.set(w, task);
      const transfer = task.job.kind === 'subtree' ? [task.job.leaves] : [];
      w.postMessage({ id: task.id, job: task.job }, transfer);
    }
  }

  private done(w: Worker, m: { id: number; result?: unknown; error?: string }): void {
    const task = this.running.get(w);
    this.running.delete(w);
    this.idle.push(w);
    if (task?.id === m.id) {
      if (m.error !== undefined) task.reject(new Error(`verify worker: ${m.error}`));
      else task.resolve(m.result);
    }
    this.dispatch();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const t of [...this.running.values(), ...this.queue.splice(0)]) t.reject(this.failure);
    this.running.clear();
  }
}

/** Runs of consecutive lines as one: hashes joined, line indices moved by the lines before each run. */
function mergeRuns(runs: HashedLines[]): HashedLines {
  const out: HashedLines = {
    count: 0,
    hashes: Buffer.alloc(0),
    placeholders: [],
    authorisedSeqs: [],
    authorisedRanges: [],
  };
  const hashes: Buffer[] = [];
  for (const r of runs) {
    // A run's hashes come back as their whole (transferred) ArrayBuffer; count says how much is used.
    hashes.push(Buffer.from(r.hashes as unknown as ArrayBuffer, 0, r.count * HASH_SIZE));
    const at = out.count;
    for (let k = 0; k < r.placeholders.length; k += 3)
      out.placeholders.push(
        (r.placeholders[k] as number) + at,
        r.placeholders[k + 1] as number,
        r.placeholders[k + 2] as number,
      );
    for (let k = 0; k < r.authorisedSeqs.length; k += 2)
      out.authorisedSeqs.push((r.authorisedSeqs[k] as number) + at, r.authorisedSeqs[k + 1] as number);
    for (let k = 0; k < r.authorisedRanges.length; k += 3)
      out.authorisedRanges.push(
        (r.authorisedRanges[k] as number) + at,
        r.authorisedRanges[k + 1] as number,
        r.authorisedRanges[k + 2] as number,
      );
    out.count += r.count;
  }
  out.hashes = Buffer.concat(hashes, out.count * HASH_SIZE);
  return out;
}

/** A fresh ArrayBuffer holding exactly these bytes, to be moved to a worker. */
function copy(b: Buffer): ArrayBuffer {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out.buffer;
}

/**
 * From the build (dist/*.js) the worker is a sibling file. Run from the TypeScript sources (vitest,
 * tsx), it is a .ts file that Node cannot load alone, so a small bootstrap registers tsx (a dev
 * dependency, present wherever sources run) before importing it.
 */
function startWorker(): Worker {
  const js = new URL('./verify-worker.js', import.meta.url);
  // No inherited execArgv: under tsx (bench, dev) the parent's `--import tsx` loader would boot in
  // every worker too, which cost more CPU than a 200k-entry verification itself (bench:audit).
  if (existsSync(fileURLToPath(js))) return new Worker(js, { execArgv: [] });
  const ts = new URL('./verify-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ts)}); })`,
    { eval: true },
  );
}
