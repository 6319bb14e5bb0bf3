/**
 * Worker thread of the verifier (see verify-pool.ts): hashes runs of a segment's lines (shared memory,
 * read by the calling thread) and complete subtrees, answering each message with its id. Bytes travel as transferred ArrayBuffers (no copy).
 */
import { parentPort } from 'node:worker_threads';
import { subtreeLevels } from './merkle-tree.js';
import { hashLines } from './verify-lines.js';
import type { VerifyJob } from './verify-pool.js';

const port = parentPort;
if (!port) throw new Error('verify-worker runs as a worker thread');

port.on('message', ({ id, job }: { id: number; job: VerifyJob }) => {
  try {
    if (job.kind === 'lines') {
      // A view of this run only: hashLines briefly writes the byte before each line but the first, so
      // no byte another worker reads (its runs are elsewhere in the shared buffer) is ever touched.
      const r = hashLines(Buffer.from(job.bytes, job.start, job.end - job.start), 0, job.end - job.start);
      // The hashes' own buffer (Buffer.alloc, never pooled) goes back whole, moved, not copied.
      const hashes = r.hashes.buffer as ArrayBuffer;
      port.postMessage({ id, result: { ...r, hashes } }, [hashes]);
    } else {
      // Levels 1..k back to back in one buffer of its own (not the shared pool), so it can be moved.
      const levels = subtreeLevels(new Uint8Array(job.leaves));
      const out = new Uint8Array(levels.reduce((n, l) => n + l.length, 0));
      let at = 0;
      for (const l of levels) {
        out.set(l, at);
        at += l.length;
      }
      port.postMessage({ id, result: out.buffer }, [out.buffer]);
    }
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
