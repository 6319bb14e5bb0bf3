import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskQueue, type DiskQueueOptions } from './disk-queue.js';
import { sameProject } from './records-codec.js';

const frame = (project: string, n: number) => Buffer.from(`${project}\n${JSON.stringify({ n })}`);
const body = (b: Buffer) => JSON.parse(b.toString('utf8', b.indexOf(10) + 1)).n as number;

function open(dir: string, over: Partial<DiskQueueOptions> = {}, drops: number[] = []): DiskQueue {
  return DiskQueue.open({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 * 1024,
    dropPolicy: 'oldest',
    fsync: 'never',
    fsyncIntervalMs: 1000,
    onDrop: (n) => drops.push(n),
    ...over,
  });
}

describe('DiskQueue', () => {
  it('gives frames back in order, one project per peek, and forgets them on ack', () => {
    const q = open(mkdtempSync(join(tmpdir(), 'dq-')));
    q.append(frame('a', 1), 1, 1);
    q.append(frame('a', 2), 1, 2);
    q.append(frame('b', 3), 1, 3);
    const first = q.peek(100, 1 << 20, sameProject);
    expect(first.payloads.map(body)).toEqual([1, 2]);
    // unacked: the same frames again
    expect(q.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([1, 2]);
    q.ack();
    expect(q.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([3]);
    q.ack();
    expect(q.depth).toBe(0);
    q.close();
  });

  it('survives a restart: what was not acked comes back, what was acked does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir, { segmentBytes: 64 * 1024 });
    for (let i = 0; i < 2000; i++) q.append(frame('p', i), 2, i);
    q.peek(500, 1 << 20, sameProject);
    q.ack(); // 250 frames of 2 items
    q.close();
    const again = open(dir);
    expect(again.depth).toBe(2 * 1750);
    expect(body(again.peek(2, 1 << 20, sameProject).payloads[0])).toBe(250);
    again.close();
  });

  it('deletes shipped segments and cuts a torn tail after a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir, { segmentBytes: 64 * 1024 });
    for (let i = 0; i < 10_000; i++) q.append(frame('p', i), 1, i);
    const segs = readdirSync(dir)
      .filter((n) => n.endsWith('.seg'))
      .sort();
    expect(segs.length).toBeGreaterThan(2);
    q.peek(9000, 1 << 24, sameProject);
    q.ack();
    expect(readdirSync(dir).filter((n) => n.endsWith('.seg')).length).toBeLessThan(segs.length);
    q.close();
    // half a frame at the end, as a crash mid-write leaves it
    const last = readdirSync(dir)
      .filter((n) => n.endsWith('.seg'))
      .sort()
      .at(-1) as string;
    appendFileSync(join(dir, last), Buffer.from([50, 0, 0, 0, 1, 2, 3]));
    const again = open(dir);
    expect(again.depth).toBe(1000);
    again.append(frame('p', 10_000), 1, 0);
    again.close();
    const third = open(dir);
    const all = third.peek(10_000, 1 << 24, sameProject).payloads.map(body);
    expect(all.length).toBe(1001);
    expect(all.at(-1)).toBe(10_000);
    third.close();
  });

  it('full queue, drop oldest: keeps the batch in flight, drops the next oldest, remembers it across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const drops: number[] = [];
    // frames 10 and 11 are a byte longer than 0–9: each needs one small frame dropped
    const size = frame('p', 10).length + 20;
    const q = open(dir, { maxBytes: size * 10 }, drops);
    for (let i = 0; i < 10; i++) expect(q.append(frame('p', i), 1, i)).toBe(true);
    expect(q.peek(2, 1 << 20, sameProject).payloads.map(body)).toEqual([0, 1]);
    expect(q.append(frame('p', 10), 1, 10)).toBe(true);
    expect(q.append(frame('p', 11), 1, 11)).toBe(true);
    expect(drops).toEqual([1, 1]);
    q.close();
    // restart before the in-flight batch was acked: it comes back, the dropped 2 and 3 do not
    const again = open(dir, { maxBytes: size * 10 });
    const all = again.peek(100, 1 << 20, sameProject).payloads.map(body);
    expect(all).toEqual([0, 1, 4, 5, 6, 7, 8, 9, 10, 11]);
    again.close();
  });

  it('writes the cursor at most every cursorIntervalMs: a crash resends only that window, close resends nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir, { cursorIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) q.append(frame('p', i), 1, i);
    const ship = (n: number) => {
      expect(q.peek(n, 1 << 20, sameProject).frames).toHaveLength(n);
      q.ack();
    };
    ship(1); // the first acknowledgement is written at once (no write in the last interval)
    ship(2);
    ship(2); // 1–4 acknowledged within the interval: not written yet
    expect(q.depth).toBe(5);
    // a crash now (the process gone without close): a second queue on the same files sees the cursor
    // of the first acknowledgement, so it resends 1–4 — the un-written window — and nothing before it
    const crashed = open(dir);
    expect(crashed.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    crashed.close();
    // a clean close writes the cursor: exactly the unacknowledged frames come back
    q.close();
    const again = open(dir);
    expect(again.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([5, 6, 7, 8, 9]);
    again.close();
  });

  it('writes a throttled cursor once the interval has passed, without close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir, { cursorIntervalMs: 50 });
    for (let i = 0; i < 6; i++) q.append(frame('p', i), 1, i);
    for (let i = 0; i < 4; i++) {
      q.peek(1, 1 << 20, sameProject);
      q.ack();
    }
    const crashed = open(dir);
    expect(crashed.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([1, 2, 3, 4, 5]);
    crashed.close();
    await new Promise((r) => setTimeout(r, 120));
    const later = open(dir);
    expect(later.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([4, 5]);
    later.close();
    q.close();
  });

  it('overwrites the cursor in place (padded JSON) and reads one written whole by the previous version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir);
    for (let i = 0; i < 5; i++) q.append(frame('p', i), 1, i);
    q.peek(2, 1 << 20, sameProject);
    q.ack();
    q.close();
    const raw = readFileSync(join(dir, 'cursor.json'), 'utf8');
    expect(raw).toHaveLength(256);
    const head = JSON.parse(raw).head as { seg: number; off: number };
    expect(head.off).toBeGreaterThan(0);
    // the previous version renamed a short JSON file over it: read, then overwritten whole
    writeFileSync(join(dir, 'cursor.json'), JSON.stringify({ head: { seg: head.seg, off: 0 } }));
    const again = open(dir);
    expect(again.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([0, 1, 2, 3, 4]);
    again.ack();
    again.close();
    expect(readFileSync(join(dir, 'cursor.json'), 'utf8')).toHaveLength(256);
    const third = open(dir);
    expect(third.depth).toBe(0);
    third.close();
  });

  it('deletes a shipped segment only once a written cursor is past it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir, { segmentBytes: 4096, cursorIntervalMs: 60_000 });
    for (let i = 0; i < 1000; i++) q.append(frame('p', i), 1, i);
    const segs = () => readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
    const all = segs();
    expect(all).toBeGreaterThan(4);
    q.peek(1, 1 << 20, sameProject);
    q.ack(); // written at once; still in the first segment
    q.peek(900, 1 << 24, sameProject);
    q.ack(); // past several segments, not written: they stay, a crash resends from them
    expect(segs()).toBe(all);
    const crashed = open(dir);
    expect(crashed.depth).toBe(999);
    crashed.close();
    q.close();
    expect(segs()).toBeLessThan(all);
    const again = open(dir);
    expect(again.depth).toBe(99);
    expect(body(again.peek(1, 1 << 20, sameProject).payloads[0])).toBe(901);
    again.close();
  });

  it('peek serves just-appended frames from memory, the same bytes as read back from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dq-'));
    const q = open(dir);
    const appended: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const f = Buffer.concat([Buffer.from('p\n'), randomBytes(100 + i * 37)]);
      appended.push(f);
      q.append(f, 1, i);
    }
    const mem = q.peek(100, 1 << 24, sameProject).payloads;
    // from memory: the very buffers appended, no read
    for (const [i, b] of mem.entries()) expect(b).toBe(appended[i]);
    const disk = open(dir);
    const read = disk.peek(100, 1 << 24, sameProject).payloads;
    expect(read).toHaveLength(50);
    read.forEach((b, i) => {
      expect(b).not.toBe(appended[i]);
      expect(b.equals(mem[i])).toBe(true);
    });
    disk.close();
    q.ack();
    expect(q.memoryBytes).toBe(0);
    q.close();
  });

  it('keeps at most memoryBytes of payloads in memory; the rest is read from disk, and ack frees room', () => {
    const q = open(mkdtempSync(join(tmpdir(), 'dq-')), { memoryBytes: 3 * frame('p', 0).length });
    const appended = Array.from({ length: 10 }, (_, i) => frame('p', i));
    for (const [i, f] of appended.entries()) q.append(f, 1, i);
    expect(q.memoryBytes).toBe(3 * appended[0].length);
    const first = q.peek(5, 1 << 20, sameProject).payloads;
    expect(first.map(body)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 3; i++) expect(first[i]).toBe(appended[i]);
    for (let i = 3; i < 5; i++) expect(first[i]).not.toBe(appended[i]);
    q.ack();
    expect(q.memoryBytes).toBe(0);
    const late = frame('p', 10);
    q.append(late, 1, 10);
    expect(q.memoryBytes).toBe(late.length);
    const rest = q.peek(100, 1 << 20, sameProject).payloads;
    expect(rest.map(body)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.at(-1)).toBe(late);
    q.close();
  });

  it('full queue, drop newest: refuses the new frame and counts it', () => {
    const drops: number[] = [];
    const size = frame('p', 0).length + 20;
    const q = open(mkdtempSync(join(tmpdir(), 'dq-')), { maxBytes: size * 3, dropPolicy: 'newest' }, drops);
    for (let i = 0; i < 3; i++) q.append(frame('p', i), 1, i);
    expect(q.append(frame('p', 3), 5, 3)).toBe(false);
    expect(drops).toEqual([5]);
    expect(q.peek(100, 1 << 20, sameProject).payloads.map(body)).toEqual([0, 1, 2]);
    q.close();
  });
});
