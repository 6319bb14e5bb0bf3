/** What happens to a segment once the writer has moved on from it: compression and archival. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { syncDir, writeDurably } from './durable-files.js';
import type { SegmentInfo } from './segment-files.js';

export interface SealOptions {
  /** gzip the payload. @default true */
  compress?: boolean;
  /** Copy the sealed payload and its hash file here. @default null */
  archiveDir?: string | null;
}

/** Compress (tmp + fsync + rename, so a crash leaves the plain or the gz, never half) and archive. */
export function sealSegment(info: SegmentInfo, segmentsDir: string, options: SealOptions): void {
  if ((options.compress ?? true) && existsSync(info.plainPath)) {
    const gz = gzipSync(readFileSync(info.plainPath));
    writeDurably(info.gzPath, gz);
    unlinkSync(info.plainPath);
    syncDir(segmentsDir);
  }
  const archive = options.archiveDir;
  if (archive) {
    mkdirSync(archive, { recursive: true });
    for (const p of [info.gzPath, info.plainPath, info.hashesPath])
      if (existsSync(p)) copyFileSync(p, join(archive, p.slice(segmentsDir.length + 1)));
  }
}
