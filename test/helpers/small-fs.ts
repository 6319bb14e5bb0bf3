/**
 * A real, small filesystem for chaos tests: a size-limited tmpfs mounted in a private mount namespace
 * (`unshare --mount`), so the test never mounts anything on the machine's own tree and the mount
 * disappears with the namespace. A holder process keeps the namespace alive; Witness processes are
 * started inside it (`nsenter --mount`, see `prefix`), and the test reaches its files through
 * `/proc/<holder>/root/...`. Filling it (a ballast file), freeing it, and remounting it read-only are
 * what the kernel really does to the process: ENOSPC and EROFS from real syscalls, no fault hooks.
 *
 * Needs CAP_SYS_ADMIN (root in a container with it, as here and in `.ci/run`); `smallFsAvailable()`
 * says whether this machine can.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFs {
  /** The mount point as processes inside the namespace see it. */
  mountPoint: string;
  /** The same directory as the test process reaches it (through the holder's root). */
  outside: string;
  /** Prefix for `startWitness({ prefix })`: runs the process inside the namespace. */
  prefix: string[];
  /** Runs a command inside the namespace (mount -o remount…), throws on failure. */
  exec(args: string[]): string;
  /** Free bytes on the filesystem now. */
  freeBytes(): number;
  close(): Promise<void>;
}

/** Null when this machine can make one, else why not. */
export function smallFsUnavailable(): string | null {
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], { encoding: 'utf8' });
  if (r.error) return `unshare is not installed (${r.error.message})`;
  if (r.status !== 0) return `unshare --mount is not permitted here: ${r.stderr.trim()}`;
  return null;
}

export async function smallFs(sizeBytes: number): Promise<SmallFs> {
  const mountPoint = mkdtempSync(join(tmpdir(), 'witness-smallfs-'));
  // The shell reads stdin until EOF: when the test process dies, the pipe closes and the holder exits.
  const holder: ChildProcess = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o "size=$2,mode=0755" witness-chaos "$1" && echo mounted && cat >/dev/null',
      'sh',
      mountPoint,
      String(sizeBytes),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let err = '';
  holder.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('mounted')) resolve();
    });
    holder.once('exit', (code) => reject(new Error(`could not mount a small tmpfs (exit ${code}): ${err}`)));
  });
  const pid = holder.pid as number;
  const prefix = ['nsenter', `--target=${pid}`, '--mount', '--'];
  const exec = (args: string[]): string => {
    const r = spawnSync(prefix[0] as string, [...prefix.slice(1), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  return {
    mountPoint,
    outside: `/proc/${pid}/root${mountPoint}`,
    prefix,
    exec,
    freeBytes() {
      const out = exec(['df', '--block-size=1', '--output=avail', mountPoint]);
      return Number(out.trim().split('\n').at(-1));
    },
    async close() {
      const exited = new Promise((r) => holder.once('exit', r));
      holder.stdin?.end();
      if (holder.exitCode === null) await exited;
      rmSync(mountPoint, { recursive: true, force: true });
    },
  };
}
