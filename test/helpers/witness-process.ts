/**
 * Runs the real `witness serve` (the built CLI, as users run it) in a child process for end-to-end
 * tests: a free port, its own data directory, and the one stdout line that says where it listens.
 *
 *   const w = await startWitness();
 *   await fetch(`${w.url}/api/traces`);
 *   await w.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'packages/cli/dist/main.js');
const LISTENING = /^Witness listening on (https?:\/\/\S+?):(\d+)\s*$/m;
/** Printed before LISTENING when OTLP/gRPC is on (--grpc-port, server.grpc.enabled). */
const GRPC_LISTENING = /^Witness OTLP\/gRPC listening on (https?:\/\/\S+)\s*$/m;

export interface StartWitnessOptions {
  /** Extra arguments after `serve --port 0 --data-dir <dir>`. */
  args?: string[];
  /** Data directory to use (kept on stop); by default a fresh temporary one (removed on stop). */
  dataDir?: string;
  /** Extra environment (merged over process.env with WITNESS_* vars removed). */
  env?: Record<string, string>;
  /** @default 30000 */
  startTimeoutMs?: number;
  /** PEM certificate(s) to trust when Witness serves HTTPS (server.tls.*): the readiness poll uses them. */
  ca?: string | string[];
  /** A command the server runs under (e.g. `nsenter --mount …` from ./small-fs.ts). */
  prefix?: string[];
}

export interface WitnessProcess {
  url: string;
  port: number;
  /** The OTLP/gRPC endpoint (`http://127.0.0.1:<port>`) when gRPC is on, else null. */
  grpcUrl: string | null;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its log). */
  stderr(): string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Resolves once stdout matches `pattern` (e.g. `--demo`'s "Demo: N agent runs sent."); rejects on exit or timeout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Send a signal (SIGKILL for a crash) and wait for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM, wait for the graceful exit, remove a temporary data dir. */
  stop(): Promise<void>;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WITNESS_')) env[k] = v;
  return { ...env, ...extra };
}

/** Extra environment per data directory that selects a store engine (see ./store-engine.ts). */
let storeEngineEnv: ((dataDir: string) => Promise<Record<string, string>>) | null = null;

/** Every startWitness of this test file from now on gets this environment (per data directory). */
export function setStoreEngineEnv(env: ((dataDir: string) => Promise<Record<string, string>>) | null): void {
  storeEngineEnv = env;
}

export async function startWitness(options: StartWitnessOptions = {}): Promise<WitnessProcess> {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` first`);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'witness-e2e-'));
  // A variant file that called useStoreEngine() runs the same test with another store engine.
  const engine = storeEngineEnv ? await storeEngineEnv(dataDir) : {};
  const argv = [
    process.execPath,
    CLI_MAIN,
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...(options.args ?? []),
  ];
  const [command, ...args] = [...(options.prefix ?? []), ...argv] as [string, ...string[]];
  const child = spawn(command, args, {
    env: cleanEnv({ ...engine, ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const listening = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`witness did not print its listening line in time; stderr:\n${stderr}`)),
      options.startTimeoutMs ?? 30_000,
    );
    child.stdout?.on('data', (d: string) => {
      stdout += d;
      const m = LISTENING.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `${m[1]}:${m[2]}`, port: Number(m[2]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`witness exited with code ${code} before listening; stderr:\n${stderr}`));
    });
  });

  await waitReady(listening.url, options.startTimeoutMs ?? 30_000, options.ca);

  let stopped = false;
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    ...listening,
    grpcUrl: GRPC_LISTENING.exec(stdout)?.[1] ?? null,
    dataDir,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    async waitForStdout(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(stdout);
        if (m) return m;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`witness exited before printing ${pattern}; stderr:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`witness did not print ${pattern} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls /readyz until 200 (the store is open); over HTTPS trusting `ca`. */
export async function waitReady(url: string, timeoutMs = 30_000, ca?: string | string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = url.startsWith('https:')
        ? await new Promise<number | undefined>((resolve, reject) =>
            httpsGet(`${url}/readyz`, { ca }, (res) => {
              res.resume();
              resolve(res.statusCode);
            }).once('error', reject),
          )
        : (await fetch(`${url}/readyz`)).status;
      if (status === 200) return;
    } catch {
      // not accepting yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
