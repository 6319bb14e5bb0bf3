import { totalmem } from 'node:os';

const MB = 1024 * 1024;

/**
 * DuckDB's `memory_limit` when none is configured: a quarter of the memory this process may use (the
 * cgroup limit in a container, else the machine's RAM), at least 256 MB and at most 2 GB. DuckDB's
 * own default is 80% of RAM, which lets its buffer cache grow until it crowds out everything else on
 * a shared machine; 2 GB holds the working set of the trace list at 10M spans (trace_parts plus the
 * hot columns) with room for sorts and joins. Past the limit DuckDB evicts cached blocks and spills.
 */
export function defaultMemoryLimit(available = availableMemory()): string {
  const bytes = Math.min(2048 * MB, Math.max(256 * MB, Math.floor(available / 4)));
  return `${Math.floor(bytes / MB)}MB`;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Bytes of a DuckDB size setting such as '2048MB' or '1.5GiB' (null if unreadable). DuckDB reads KB,
 * MB, GB, TB as powers of 1000 and KiB, MiB, GiB, TiB as powers of 1024: '300MB' is 286.1 MiB.
 */
export function duckDbSizeBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[(m[2] as string).toLowerCase()] : undefined;
  return m && unit ? Math.round(Number(m[1]) * unit) : null;
}

function availableMemory(): number {
  const machine = totalmem();
  // process.constrainedMemory(): the cgroup limit (0 or a huge number when there is none).
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return limit > 0 && limit < machine ? limit : machine;
}
