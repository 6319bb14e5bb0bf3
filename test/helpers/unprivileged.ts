/**
 * Runs a Witness process as an unprivileged user, so file permissions mean something: root reads and
 * writes through chmod, and the chaos tests run as root here and in `.ci/run`. As root the process runs
 * as uid/gid 65534 (nobody) through `setpriv`, and the directories it needs are given to that user; as
 * anyone else it runs as that user, for whom chmod already holds.
 */
import { spawnSync } from 'node:child_process';

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const UID = 65534;

/** Prefix for `startWitness({ prefix })`. */
export const unprivilegedPrefix: string[] = root
  ? ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups']
  : [];

/** Makes `paths` (recursively) the unprivileged user's. */
export function giveToUnprivileged(...paths: string[]): void {
  if (!root) return;
  const r = spawnSync('chown', ['-R', `${UID}:${UID}`, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown failed: ${r.stderr}`);
}
