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
      throw new WitnessError('TOO_MANY_REQUESTS', 'a backup is already running; retry when it ends', {
        retryAfterSeconds: 5,
      });
    running = true;
    // A big store takes longer to copy than the server's idle-socket timeout (server.idleTimeoutMs,
    // 30 s), and nothing is written to the client until the archive exists: without this the server
    // itself would close the connection mid-backup (the client sees "other side closed"). The idle
    // timeout comes back once the archive is sent, so a client that stops reading it is still cut.
    const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
    const idleMs = socket?.timeout;
    socket?.setTimeout(0);
    let made: Awaited<ReturnType<typeof createBackup>>;
    try {
      made = await createBackup(src);
    } catch (err) {
      running = false;
      throw err;
    } finally {
      if (idleMs) socket?.setTimeout(idleMs);
    }
    // one at a time until the archive is sent (or the client gone): the archive is a temporary file,
    // and backups started back to back behind slow readers would each leave one on the disk
    const stream = createReadStream(made.archive);
    // a client gone before or during the download must not hold the slot (or the file) forever
    const gone = () => stream.destroy();
    stream.on('close', () => {
      socket?.off('close', gone);
      running = false;
      made.cleanup();
    });
    if (socket?.destroyed) stream.destroy();
    else socket?.once('close', gone);
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
      'content-type': 'application/gzip',
      'content-disposition': 'attachment; filename="witness-backup.tar.gz"',
      'x-witness-backup-spans': String(made.manifest.store.spans),
      'x-witness-backup-audit-size': String(made.manifest.audit?.size ?? 0),
    });
  });
  return app;
}
