import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { WitnessError } from '../http/errors.js';
import { type BackupSources, createBackup } from './create-backup.js';

/**
 * POST /api/admin/backup (admin): a consistent snapshot of this node as a tar.gz stream. The running
 * server holds the DuckDB file lock, so the copy is made here rather than by the CLI; one at a time.
 */
export function backupRoutes(sources: () => BackupSources | null): Hono {
  const app = new Hono();
  let running = false;
  app.post('/admin/backup', async (c) => {
    const src = sources();
    if (!src)
      throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is opening; retry in a second', {
        retryAfterSeconds: 1,
      });
    if (running)
      throw new WitnessError('TOO_MANY_REQUESTS', 'a backup is already running; retry when it ends');
    running = true;
    // A big store takes longer to copy than the server's idle-socket timeout (server.idleTimeoutMs,
    // 30 s), and nothing is written to the client until the archive exists: without this the server
    // itself would close the connection mid-backup (the client sees "other side closed").
    (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.setTimeout(0);
    let made: Awaited<ReturnType<typeof createBackup>>;
    try {
      made = await createBackup(src);
    } finally {
      running = false;
    }
    const stream = createReadStream(made.archive);
    stream.on('close', made.cleanup);
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
      'content-type': 'application/gzip',
      'content-disposition': 'attachment; filename="witness-backup.tar.gz"',
      'x-witness-backup-spans': String(made.manifest.store.spans),
      'x-witness-backup-audit-size': String(made.manifest.audit?.size ?? 0),
    });
  });
  return app;
}
