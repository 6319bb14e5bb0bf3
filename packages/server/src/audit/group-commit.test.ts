import { describe, expect, it } from 'vitest';
import { type Group, GroupCommit } from './group-commit.js';

const line = (s: string) => Buffer.from(`${s}\n`);
const hash = (n: number) => Buffer.alloc(32 * n, n);

describe('GroupCommit', () => {
  it('sends appends of one turn as one group, and those made while it is written as the next', async () => {
    const groups: Group[] = [];
    let release: () => void = () => {};
    const gc = new GroupCommit(async (g) => {
      groups.push(g);
      if (groups.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = Array.from({ length: 50 }, (_, i) => gc.add(i, 0, line(`e${i}`), hash(1)));
    await new Promise((r) => setImmediate(r));
    expect(groups).toHaveLength(1);
    // While the first group is being written, more arrive: single and batched.
    const second = [gc.add(50, 0, [line('e50'), line('e51')], hash(2)), gc.add(52, 0, line('e52'), hash(1))];
    let firstDone = false;
    void Promise.all(first).then(() => (firstDone = true));
    await new Promise((r) => setImmediate(r));
    expect(firstDone).toBe(false);
    release();
    await Promise.all([...first, ...second]);
    expect(groups.map((g) => [g.firstSeq, g.lines.length])).toEqual([
      [0, 50],
      [50, 3],
    ]);
    expect(Buffer.concat(groups[1]?.hashes ?? []).length).toBe(3 * 32);
    await gc.drained();
  });

  it('callers woken by a group append together in the next one', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit(async (g) => {
      sizes.push(g.lines.length);
    });
    let seq = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let k = 0; k < 5; k++) await gc.add(seq, 0, line(`e${seq++}`), hash(1));
      }),
    );
    expect(sizes).toEqual([20, 20, 20, 20, 20]);
  });

  it('a failed write fails its group and everything queued behind it, then refuses', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const gc = new GroupCommit(
      async () => {
        calls++;
        await new Promise((r) => setImmediate(r));
        throw new Error('disk full');
      },
      (err) => errors.push(err),
    );
    const a = gc.add(0, 0, line('a'), hash(1));
    await new Promise((r) => setImmediate(r));
    const b = gc.add(1, 0, line('b'), hash(1));
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(gc.failed).toBeInstanceOf(Error);
    await expect(gc.add(2, 0, line('c'), hash(1))).rejects.toThrow('disk full');
    expect(calls).toBe(1);
  });
});
