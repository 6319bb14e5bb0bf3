/**
 * Crash recovery at open. The writer appends a group's payload lines and leaf hashes to two files and
 * acknowledges only after both are fsynced, so after a crash the last segment may hold a torn line,
 * lines without hashes, or hashes without lines — all of them unacknowledged.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fileSize, truncateFile } from './durable-files.js';
import { HASH_SIZE, leafHash, type MerkleTree } from './merkle-tree.js';
import { type SegmentInfo, splitLines } from './segment-files.js';

/**
 * Repairs the last segment: drops a torn payload line; keeps payload and hashes the same length
 * (hashes missing for complete lines are recomputed — those lines were never acknowledged, but they
 * are whole, so keeping them loses nothing). Then loads every leaf hash into `tree`.
 */
export function recoverSegments(segments: readonly SegmentInfo[], tree: MerkleTree): void {
  const last = segments.at(-1);
  if (last && existsSync(last.plainPath) && !existsSync(last.gzPath)) {
    const bytes = readFileSync(last.plainPath);
    const lines = splitLines(bytes);
    const complete = lines.reduce((n, l) => n + l.length + 1, 0);
    const hashBytes = fileSize(last.hashesPath);
    let count = Math.floor(hashBytes / HASH_SIZE);
    if (complete !== bytes.length) truncateFile(last.plainPath, complete);
    if (count > lines.length) {
      truncateFile(last.hashesPath, lines.length * HASH_SIZE);
      count = lines.length;
    } else if (hashBytes !== count * HASH_SIZE) truncateFile(last.hashesPath, count * HASH_SIZE);
    if (count < lines.length) {
      const fd = openSync(last.hashesPath, 'a');
      for (const l of lines.slice(count)) writeSync(fd, leafHash(l));
      fsyncSync(fd);
      closeSync(fd);
    }
  }
  for (const seg of segments) {
    const hashes = readFileSync(seg.hashesPath);
    for (let o = 0; o + HASH_SIZE <= hashes.length; o += HASH_SIZE)
      tree.appendLeafHash(hashes.subarray(o, o + HASH_SIZE));
  }
}
