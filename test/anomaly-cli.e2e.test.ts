/** `witness anomaly score` (the built CLI): NAB's CSV in, scores out; bad input named, exit non-zero. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from './helpers/witness-process.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-anomaly-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const score = (input: string) => {
  const inPath = join(dir, `in-${Math.random().toString(36).slice(2)}.csv`);
  const outPath = `${inPath}.out.csv`;
  writeFileSync(inPath, input);
  const r = spawnSync(process.execPath, [CLI_MAIN, 'anomaly', 'score', '--in', inPath, '--out', outPath], {
    encoding: 'utf8',
  });
  return { ...r, outPath };
};

/** Five days of a 5-minute daily cycle with a spike on day 4. */
function crafted(): { text: string; spikeRow: number } {
  const rows = ['timestamp,value'];
  const t0 = Date.UTC(2014, 3, 1);
  const spikeRow = 288 * 4 + 100;
  for (let i = 0; i < 288 * 5; i++) {
    const ts = new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    const v = 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + (i % 5) * 0.3 + (i === spikeRow ? 80 : 0);
    rows.push(`${ts},${v.toFixed(3)}`);
  }
  return { text: `${rows.join('\n')}\n`, spikeRow };
}

describe('witness anomaly score', () => {
  it('writes timestamp,value,anomaly_score for every row and flags the spike', () => {
    const { text, spikeRow } = crafted();
    const r = score(text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = readFileSync(r.outPath, 'utf8').trimEnd().split('\n');
    const input = text.trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(input.length);
    const scores = out.slice(1).map((line, i) => {
      const parts = line.split(',');
      expect(`${parts[0]},${parts[1]}`).toBe(input[i + 1]);
      return Number(parts[2]);
    });
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores[spikeRow]).toBeGreaterThan(0.5);
    // the spike is the most anomalous point after warm-up
    expect(scores.indexOf(Math.max(...scores))).toBe(spikeRow);
  });

  it.each([
    ['missing header', '2014-04-01 00:00:00,1\n', 'line 1: expected the header "timestamp,value"'],
    [
      'bad number',
      'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,12x\n',
      'line 3: bad number "12x"',
    ],
    [
      'unordered timestamps',
      'timestamp,value\n2014-04-02 00:00:00,1\n2014-04-01 00:05:00,2\n',
      'line 3: timestamp 2014-04-01 00:05:00 is more than an hour earlier',
    ],
  ])('exits 1 on %s, naming the line, and writes nothing', (_name, input, message) => {
    const r = score(input);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(existsSync(r.outPath)).toBe(false);
  });

  it('exits 2 when the input file cannot be read', () => {
    const r = spawnSync(
      process.execPath,
      [CLI_MAIN, 'anomaly', 'score', '--in', join(dir, 'nope.csv'), '--out', join(dir, 'x.csv')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot read');
  });
});
