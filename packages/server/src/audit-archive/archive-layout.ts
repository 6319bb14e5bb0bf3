/**
 * What the archive holds, under its prefix — the audit directory's own layout, so the verifier reads a
 * downloaded archive as it reads a data dir:
 *
 *   log.json                          the log id (uploaded once; a prefix belongs to one log)
 *   segments/<first>.jsonl.gz         a sealed segment's payload (.jsonl when compression is off)
 *   segments/<first>.hashes           its 32-byte leaf hashes
 *   checkpoints/<line>.jsonl          a run of checkpoints.jsonl, from line <line> (12 digits)
 *
 * checkpoints.jsonl grows, and an archived object is written once, so each pass uploads the lines added
 * since the last as a new chunk: concatenated in order they are the file. Every object carries the
 * SHA-256 of its bytes in `x-amz-meta-sha256` (and x-amz-checksum-sha256 + Content-MD5 on upload).
 */
export const CHECKPOINT_CHUNKS = 'checkpoints';
export const SHA256_META = 'sha256';

export function checkpointChunkName(firstLine: number): string {
  return `${CHECKPOINT_CHUNKS}/${String(firstLine).padStart(12, '0')}.jsonl`;
}

/** The first line of a chunk from its key's last part, or null when it is not a chunk name. */
export function chunkFirstLine(name: string): number | null {
  const m = /^(\d{12})\.jsonl$/.exec(name);
  return m ? Number(m[1]) : null;
}
