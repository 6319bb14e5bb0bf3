/**
 * Finds Debian's `prometheus` and `promtool` for the Prometheus tests. In CI (CI=true) a missing binary
 * is a failure, not a skip: `.ci/run` installs them. Locally the tests may skip, saying why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export const PROMTOOL = which('promtool');
export const PROMETHEUS = which('prometheus');
export const IN_CI = process.env.CI === 'true';

/** Skip only outside CI, and only when a binary is missing; the test name carries the reason. */
export function skipWithoutPrometheus(): { skip: boolean; reason: string } {
  const missing = [PROMTOOL ? null : 'promtool', PROMETHEUS ? null : 'prometheus'].filter(Boolean);
  if (missing.length === 0) return { skip: false, reason: '' };
  if (IN_CI) return { skip: false, reason: '' }; // run and fail loudly on the missing binary
  return {
    skip: true,
    reason: ` [skipped: ${missing.join(' and ')} not installed; apt-get install -y prometheus]`,
  };
}

export function requireBinary(path: string | null, name: string): string {
  if (!path)
    throw new Error(`${name} is not installed (CI=${process.env.CI ?? ''}); apt-get install -y prometheus`);
  return path;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  /** What Prometheus wrote to stderr so far (for failure messages). */
  log(): string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's `prometheus` on a free loopback port, scraping `target` (host:port) every second, with its
 * config and TSDB under `dir`. Exemplar storage is on: Witness attaches trace ids to histogram buckets.
 */
export async function startPrometheus(
  dir: string,
  target: string | null,
  extraArgs: string[] = [],
): Promise<RunningPrometheus> {
  const binary = requireBinary(PROMETHEUS, 'prometheus');
  const port = await freePort();
  // target null: no scraping at all (a remote-write receiver only)
  const scrape =
    target === null
      ? ''
      : `scrape_configs:\n  - job_name: witness\n    static_configs:\n      - targets: ['${target}']\n`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${scrape}`,
  );
  const proc = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      '--enable-feature=exemplar-storage',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
