/**
 * The server's resident memory, read from its /metrics (prom-client's process_resident_memory_bytes)
 * every few seconds, and the growth over the second half of the run: the soak's "RSS stays flat".
 */
import type { HttpClient } from './http-client.js';

export interface RssSample {
  /** ms since the load phase began (negative: before it). */
  t: number;
  bytes: number;
}

const LINE = /^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m;

export async function scrapeRss(client: HttpClient): Promise<number | null> {
  const a = await client.send('GET', '/metrics');
  if (a.status !== 200) return null;
  const m = LINE.exec(a.body.toString('utf8'));
  return m ? Number(m[1]) : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * (RSS at the end − RSS at the midpoint) ÷ RSS at the midpoint, each the mean of the samples in a
 * window of a tenth of the run (one sample is noisy: a GC or a DuckDB checkpoint moves it). Null with
 * fewer than 4 samples in the load phase.
 */
export function rssGrowth(samples: RssSample[], totalMs: number): number | null {
  const during = samples.filter((s) => s.t >= 0 && s.t <= totalMs);
  if (during.length < 4) return null;
  const w = Math.max(totalMs * 0.1, 1);
  const at = (center: number) => {
    const near = during.filter((s) => Math.abs(s.t - center) <= w / 2).map((s) => s.bytes);
    return near.length ? mean(near) : null;
  };
  const mid = at(totalMs / 2);
  const lastT = during[during.length - 1].t;
  const end = mean(during.filter((s) => s.t >= lastT - w).map((s) => s.bytes));
  return mid ? (end - mid) / mid : null;
}
