/**
 * TEST ONLY (excluded from the build as test-*.ts): starts the chdb-backed ClickHouse HTTP server
 * (testing/chdb-http-server.mjs) in a child process on a fresh or given data directory. One process
 * per data directory: chdb binds a single directory per process, and a crash of the engine then
 * takes down the child, not the test runner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHDB_SERVER = fileURLToPath(new URL('./testing/chdb-http-server.mjs', import.meta.url));

export interface ChdbServer {
  url: string;
  dataDir: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait (the engine closes cleanly); `kill('SIGKILL')` for a crash. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stop and remove the data directory if this helper created it. */
  cleanup(): Promise<void>;
}

export interface StartChdbOptions {
  dataDir?: string;
  user?: string;
  passwordFile?: string;
  sessions?: number;
  port?: number;
}

export async function startChdbServer(options: StartChdbOptions = {}): Promise<ChdbServer> {
  const own = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'witness-chdb-')));
  const args = [CHDB_SERVER, dataDir, '--port', String(options.port ?? 0)];
  if (options.user) args.push('--user', options.user);
  if (options.passwordFile) args.push('--password-file', options.passwordFile);
  if (options.sessions) args.push('--sessions', String(options.sessions));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`chdb server did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chdb server exited (${code}) before listening: ${stderr}`));
    });
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    child,
    stderr: () => stderr,
    stop: () => kill('SIGTERM'),
    kill,
    cleanup: async () => {
      await kill('SIGTERM');
      if (own) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
