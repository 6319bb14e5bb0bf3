/**
 * Finds Debian's `prometheus` and `promtool` for the Prometheus tests. In CI (CI=true) a missing binary
 * is a failure, not a skip: `.ci/run` installs them. Locally the tests may skip, saying why.
 */
import { execFileSync } from 'node:child_process';

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
