/**
 * The spool on a real directory: order, bounds, segment deletion only after confirmation, and what a
 * crash leaves (a torn tail cut by its checksum, a replay cursor honoured, nothing acknowledged lost).
 */
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSpan, T0 } from '../store/test-records.js';
import type { IngestBatch } from '../store/types.js';
import { readFrames } from './frame.js';
import { Spool, SpoolFullError } from './spool.js';

const batch = (trace: number, spans = 3): IngestBatch => ({
  project: 'p1',
  spans: Array.from({ length: spans }, (_, i) =>
    makeSpan({ trace, n: i + 1, name: `s${i}`, start: T0 + BigInt(i), durationMs: 5 }),
  ),
  logs: [],
});

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();

/** Reads every waiting batch in order and confirms it, as the replayer does when the store takes it. */
function drain(spool: Spool): IngestBatch[] {
  const out: IngestBatch[] = [];
  for (let next = spool.next(); next; next = spool.next()) {
    out.push(next.batch);
    spool.confirm(next.entry);
  }
  return out;
}

describe('Spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'witness-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives batches back in order, whole (bigint times included)', async () => {
    const spool = Spool.open({ dir, maxBytes: 10 * 1024 * 1024 });
    const sent = [batch(1), batch(2), batch(3)];
    await Promise.all(sent.map((b) => spool.append(b)));
    expect(spool.depth.batches).toBe(3);
    expect(spool.active).toBe(true);
    const got = drain(spool);
    expect(got.map((b) => b.spans[0].traceId)).toEqual(sent.map((b) => b.spans[0].traceId));
    expect(got[1]).toEqual(sent[1]);
    expect(typeof got[0].spans[0].startTimeUnixNano).toBe('bigint');
    expect(spool.depth).toEqual({ batches: 0, bytes: 0 });
    await spool.close();
  });

  it('refuses past maxBytes with SpoolFullError and a Retry-After, writing nothing', async () => {
    const one = (await (async () => {
      const probe = Spool.open({ dir: join(dir, 'probe'), maxBytes: 1e9 });
      await probe.append(batch(1));
      const bytes = probe.depth.bytes;
      await probe.close();
      return bytes;
    })()) as number;
    const spool = Spool.open({ dir, maxBytes: one * 2 + 10, retryAfterSeconds: 7 });
    await spool.append(batch(1));
    await spool.append(batch(2));
    const err = await spool.append(batch(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolFullError);
    expect((err as SpoolFullError).retryAfterSeconds).toBe(7);
    expect(spool.depth.batches).toBe(2);
    expect(spool.refused).toBe(1);
    // room again once a batch was replayed
    const next = spool.next()!;
    spool.confirm(next.entry);
    await spool.append(batch(3));
    expect(drain(spool).map((b) => b.spans[0].traceId)).toEqual(
      [batch(2), batch(3)].map((b) => b.spans[0].traceId),
    );
    await spool.close();
  });

  it('deletes a segment only once every batch in it was confirmed', async () => {
    const spool = Spool.open({ dir, maxBytes: 1e9, segmentBytes: 1 }); // one batch per segment
    for (let t = 1; t <= 3; t++) await spool.append(batch(t));
    expect(segments(dir)).toHaveLength(3);
    const first = spool.next()!;
    expect(segments(dir)).toHaveLength(3); // read, not confirmed: still there
    spool.confirm(first.entry);
    expect(segments(dir)).toHaveLength(2);
    drain(spool);
    expect(segments(dir)).toHaveLength(0);
    await spool.close();
  });

  it('after a crash: whole frames wait again, a torn tail is cut, the replay cursor is honoured', async () => {
    const spool = Spool.open({ dir, maxBytes: 1e9 });
    for (let t = 1; t <= 4; t++) await spool.append(batch(t));
    spool.confirm(spool.next()!.entry); // batch 1 stored before the "crash"
    // no close: the process dies; then a half-written frame lands after the last whole one
    const [seg] = segments(dir);
    const whole = statSync(join(dir, seg)).size;
    appendFileSync(join(dir, seg), Buffer.from([200, 1, 0, 0, 9, 9, 9, 9, 1, 2, 3]));
    const torn: number[] = [];
    const reopened = Spool.open({ dir, maxBytes: 1e9, onTornTail: (_f, _kept, cut) => torn.push(cut) });
    expect(torn).toEqual([11]);
    expect(statSync(join(dir, seg)).size).toBe(whole);
    expect(reopened.depth.batches).toBe(3);
    expect(drain(reopened).map((b) => b.spans[0].traceId)).toEqual(
      [2, 3, 4].map((t) => batch(t).spans[0].traceId),
    );
    // new batches after recovery go to a new segment, behind the recovered ones
    await reopened.append(batch(5));
    expect(drain(reopened).map((b) => b.spans[0].traceId)).toEqual([batch(5).spans[0].traceId]);
    await reopened.close();
  });

  it('a flipped byte inside a frame ends what is trusted there (checksum)', async () => {
    const spool = Spool.open({ dir, maxBytes: 1e9 });
    for (let t = 1; t <= 3; t++) await spool.append(batch(t));
    await spool.close();
    const [seg] = segments(dir);
    const bytes = readFileSync(join(dir, seg));
    const frames = readFrames(bytes).frames;
    bytes[frames[2].offset + 40] ^= 0xff; // inside the third frame's payload
    writeFileSync(join(dir, seg), bytes);
    const reopened = Spool.open({ dir, maxBytes: 1e9 });
    expect(reopened.tornBytes).toBe(frames[2].bytes);
    expect(reopened.depth.batches).toBe(2);
    await reopened.close();
  });

  it('group-commits concurrent appends and reports the oldest acceptance time', async () => {
    const spool = Spool.open({ dir, maxBytes: 1e9 });
    const before = Date.now();
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(batch(i + 1, 1))));
    expect(spool.depth.batches).toBe(50);
    expect(spool.oldestAcceptedAtMs).toBeGreaterThanOrEqual(before);
    expect(spool.appended).toBe(50);
    await spool.close();
  });
});

describe('Spool.nextRun', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'witness-spool-run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges consecutive batches of one project, in order, within its bounds', async () => {
    const spool = Spool.open({ dir, maxBytes: 1e9 });
    const other = { ...batch(9), project: 'p2' };
    for (const b of [batch(1), batch(2), batch(3), other, batch(4)]) await spool.append(b);
    const run = spool.nextRun()!;
    expect(run.entries).toHaveLength(3); // stops at the other project
    expect(run.batch.project).toBe('p1');
    expect(run.batch.spans.map((s) => s.traceId)).toEqual(
      [1, 2, 3].flatMap((t) => batch(t).spans.map((s) => s.traceId)),
    );
    for (const e of run.entries) spool.confirm(e);
    expect(spool.nextRun()!.batch.project).toBe('p2');
    spool.confirm(spool.oldest!);
    expect(spool.nextRun(1)!.entries).toHaveLength(1);
    await spool.close();
  });
});
