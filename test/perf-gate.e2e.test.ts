/**
 * The performance gate (npm run perf:gate) on the current code passes, and with a deliberate slowdown
 * injected into the ingest path (WITNESS_FAULT_INGEST_DELAY_MS, test-only) it fails and names the
 * metric. The gate measures ratios against same-run baselines, and a metric must regress twice in a
 * row to count, so a noisy neighbour does not fail it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/witness-process.js';

interface GateRow {
  metric: string;
  measured: number[];
  ok: boolean;
}

function gate(
  env: Record<string, string>,
): Promise<{ code: number | null; rows: GateRow[]; stderr: string }> {
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, 'bench/perf-gate.ts', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('exit', (code) => {
      let rows: GateRow[] = [];
      try {
        rows = (JSON.parse(out) as { rows: GateRow[] }).rows;
      } catch {
        // the assertion on `code` below reports it, with stderr
      }
      resolve({ code, rows, stderr: err });
    });
  });
}

describe('perf:gate', () => {
  it('passes on the current code', async () => {
    const r = await gate({});
    expect(r.stderr).toBe('');
    expect(r.rows.map((x) => x.metric)).toEqual(['ingest_vs_decode', 'query_load_vs_idle']);
    expect(r.rows.filter((x) => !x.ok)).toEqual([]);
    expect(r.code).toBe(0);
  }, 600_000);

  it('fails when the ingest path is made slower (a 2 s delay per OTLP request)', async () => {
    const r = await gate({ WITNESS_FAULT_INGEST_DELAY_MS: '2000' });
    const ingest = r.rows.find((x) => x.metric === 'ingest_vs_decode');
    expect(ingest?.ok).toBe(false);
    expect(ingest?.measured).toHaveLength(2); // confirmed by a second measurement
    expect(r.code).toBe(1);
  }, 600_000);
});
