/**
 * `witness load` against a real server: the CLI's smoke profile with thresholds and JSON, and team D's
 * own targets (issue 16) through the library — 1,000 multi-agent requests/min sustained and a
 * 5,000/min spike — with every span sent found in the store afterwards (counted through the API).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadResult, runLoad } from '../packages/cli/src/load/index.js';
import { CLI_MAIN, startWitness, type WitnessProcess } from './helpers/witness-process.js';

function witnessLoad(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'load', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Nothing the generator sent was lost: acknowledged by the server and found in the store. */
function expectNothingDropped(r: LoadResult): void {
  expect(r.errors).toEqual([]);
  expect(r.ingest.failed).toBe(0);
  expect(r.iterations.failed).toBe(0);
  expect(r.iterations.dropped).toBe(0);
  expect(r.ingest.spansAcknowledged).toBe(r.ingest.spansSent);
  expect(r.ingest.logsAcknowledged).toBe(r.ingest.logsSent);
  expect(r.verify?.spansStored).toBe(r.ingest.spansSent);
  expect(r.verify?.spansLost).toBe(0);
}

describe('witness load', () => {
  let w: WitnessProcess;
  beforeAll(async () => {
    w = await startWitness();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('smoke: realistic traffic and readers, a JSON summary, thresholds that pass and one that fails', async () => {
    const ok = await witnessLoad([
      ...['--target', w.url, '--profile', 'smoke', '--duration', '6s', '--verify', '--json'],
      ...['--threshold', 'spans_lost==0', '--threshold', 'error_rate==0', '--threshold', 'ingest_p95<10s'],
    ]);
    expect(ok.stderr).toMatch(/load +\[/); // the progress line (every 10 s without a terminal: at least once)
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout) as LoadResult;
    expect(r.profile).toBe('smoke');
    expect(r.iterations.started).toBeGreaterThanOrEqual(4);
    expect(r.spansPerIteration).toBeGreaterThan(5);
    expect(r.query.idle.count).toBeGreaterThan(0);
    expect(r.query.load.count).toBeGreaterThan(0);
    expect(r.query.byKind.detail.count + r.query.byKind.overview.count).toBeGreaterThan(0);
    expect(r.server.rssStartMb).toBeGreaterThan(10);
    expect(r.thresholds.every((t) => t.ok)).toBe(true);
    expectNothingDropped(r);

    const crossed = await witnessLoad([
      ...['--target', w.url, '--profile', 'smoke', '--duration', '3s'],
      ...['--threshold', 'ingest_p50<0.001ms'],
    ]);
    expect(crossed.code).toBe(1);
    expect(crossed.stdout).toMatch(/✗ ingest_p50<0.001ms \(actual [0-9.]+\)/);
  }, 90_000);

  it('refuses a bad profile, rate or threshold with a clear message', async () => {
    const r = await witnessLoad(['--target', w.url, '--profile', 'chaos']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--profile must be one of smoke, load, stress, spike, soak, breakpoint/);
    const t = await witnessLoad(['--target', w.url, '--threshold', 'fast']);
    expect(t.stderr).toMatch(/threshold "fast" is not <metric><op><value>/);
    const dead = await witnessLoad(['--target', 'http://127.0.0.1:9', '--duration', '2s']);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/readyz answered .*is a Witness server running there/);
  });

  it('breakpoint: reports the highest step that held, and stops at the first that did not', async () => {
    const held = await runLoad({
      target: w.url,
      profile: 'breakpoint',
      rate: 60,
      durationMs: 40_000,
      idleMs: 2_000,
    });
    expect(held.breakpoint?.steps.map((s) => [s.ratePerMin, s.ok])).toEqual([
      [60, true],
      [90, true],
    ]);
    expect(held.breakpoint?.sustainablePerMin).toBe(90);
    expect(held.breakpoint?.reachedLimit).toBe(false);

    // an ingest path made slower than 1 s (test-only fault hook): the first step already fails
    const slow = await startWitness({ env: { WITNESS_FAULT_INGEST_DELAY_MS: '1200' } });
    try {
      const r = await runLoad({
        target: slow.url,
        profile: 'breakpoint',
        rate: 60,
        durationMs: 60_000,
        idleMs: 1_000,
        preload: 2,
      });
      expect(r.breakpoint?.steps).toHaveLength(1);
      expect(r.breakpoint?.steps[0].reason).toMatch(/ingest p95 \d+(\.\d+)? ms > 1000 ms/);
      expect(r.breakpoint?.sustainablePerMin).toBeNull();
      expect(r.breakpoint?.reachedLimit).toBe(true);
      expect(r.durationMs).toBeLessThan(40_000);
    } finally {
      await slow.stop();
    }
  }, 240_000);

  it("team D's targets: 1,000 requests/min sustained, then a 5,000/min spike, with zero telemetry dropped", async () => {
    // about 3 minutes on a loaded 2-core machine (two 60 s runs, idle phases, counting the stored spans)
    const sustained = await runLoad({
      target: w.url,
      profile: 'soak',
      rate: 1000,
      durationMs: 60_000,
      idleMs: 3_000,
      verify: true,
    });
    expectNothingDropped(sustained);
    // an open model: the generator started what the clock asked for (ramp of 3 s included)
    expect(sustained.iterations.started).toBeGreaterThan(950);

    const spike = await runLoad({
      target: w.url,
      profile: 'spike',
      rate: 5000,
      durationMs: 60_000,
      idleMs: 3_000,
      verify: true,
    });
    expectNothingDropped(spike);
    // 24 s at 5,000/min plus ramps and 30 s at 1,000/min
    expect(spike.iterations.started).toBeGreaterThan(2400);
  }, 480_000);
});
