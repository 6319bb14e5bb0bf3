/** The store and server the UI benchmark runs on: the real DuckDB store and a real `witness serve`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { openDuckDbStore, type Store } from '../../packages/server/src/store/index.js';

/** The same DuckDB file `witness serve --data-dir <dir>` opens (server.ts DATABASE_FILE). */
export async function openBenchStore(dir: string): Promise<Store> {
  return openDuckDbStore({ path: join(dir, 'witness.duckdb') });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Served {
  baseUrl: string;
  stop(): Promise<void>;
}

/** `witness serve --data-dir <dir>` (built CLI), ready once /readyz answers 200. */
export async function startServe(dataDir: string): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['packages/cli/dist/main.js', 'serve', '--port', String(port), '--data-dir', dataDir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`witness serve exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`witness serve not ready after 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
