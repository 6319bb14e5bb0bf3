import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDirPrivate } from './private-data-dir.js';

const root = mkdtempSync(join(tmpdir(), 'witness-datadir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('makeDataDirPrivate', () => {
  it('creates a missing data dir 0700', () => {
    const dir = join(root, 'fresh', 'data');
    expect(makeDataDirPrivate(dir)).toEqual({ tightened: [], failed: [] });
    expect(mode(dir)).toBe(0o700);
  });

  it('closes a data dir an older Witness left world-readable, and leaves symlink targets alone', () => {
    const dir = join(root, 'old');
    mkdirSync(join(dir, 'audit'), { recursive: true });
    writeFileSync(join(dir, 'witness.duckdb'), 'x');
    writeFileSync(join(dir, 'audit', '000001.jsonl'), 'x');
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'x');
    symlinkSync(outside, join(dir, 'link'));
    for (const p of [dir, join(dir, 'audit')]) chmodSync(p, 0o755);
    for (const p of [join(dir, 'witness.duckdb'), join(dir, 'audit', '000001.jsonl'), outside])
      chmodSync(p, 0o644);

    const result = makeDataDirPrivate(dir);
    expect(result.failed).toEqual([]);
    expect(result.tightened.sort()).toEqual(
      [dir, join(dir, 'audit'), join(dir, 'audit', '000001.jsonl'), join(dir, 'witness.duckdb')].sort(),
    );
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'audit'))).toBe(0o700);
    expect(mode(join(dir, 'witness.duckdb'))).toBe(0o600);
    expect(mode(join(dir, 'audit', '000001.jsonl'))).toBe(0o600);
    expect(mode(outside)).toBe(0o644);
    // the second start finds nothing to do
    expect(makeDataDirPrivate(dir).tightened).toEqual([]);
  });
});
