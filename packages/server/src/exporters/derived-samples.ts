import { type ProjectDerivedMetrics, writeVec } from '../metrics/index.js';
import type { MetricSample } from './types.js';

/** `name{a="x",b="y\"z"} 1.5` → its parts; our own writer's lines, so the grammar is known exactly. */
export function parseSampleLine(
  line: string,
): { name: string; labels: Record<string, string>; value: number } | null {
  if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return null;
  const brace = line.indexOf('{');
  const space = line.lastIndexOf(' ');
  if (space < 0) return null;
  const value = Number(line.slice(space + 1));
  if (brace < 0 || brace > space) return { name: line.slice(0, space), labels: {}, value };
  const name = line.slice(0, brace);
  const labels: Record<string, string> = {};
  let i = brace + 1;
  while (i < line.length && line[i] !== '}') {
    const eq = line.indexOf('="', i);
    const key = line.slice(i, eq);
    let j = eq + 2;
    let v = '';
    while (j < line.length && line[j] !== '"') {
      if (line[j] === '\\') {
        const c = line[j + 1];
        v += c === 'n' ? '\n' : c;
        j += 2;
      } else v += line[j++];
    }
    labels[key] = v;
    i = j + 1;
    if (line[i] === ',') i++;
  }
  return { name, labels, value };
}

/**
 * The derived metrics of every project as samples at `now`: exactly the series /metrics exposes
 * (counters, histogram buckets/sum/count), with the `project` label — what a Prometheus scraping
 * Witness would store, pushed instead of pulled.
 */
export function derivedSamples(
  derived: ProjectDerivedMetrics,
  now = Date.now(),
): Array<{ project: string; samples: MetricSample[] }> {
  const out: Array<{ project: string; samples: MetricSample[] }> = [];
  for (const [project, m] of derived.list()) {
    const lines: string[] = [];
    const sink = { push: (...l: string[]) => lines.push(...l) };
    for (const vec of m.all) writeVec(sink, vec, false, '', false);
    const samples: MetricSample[] = [];
    for (const line of lines) {
      const s = parseSampleLine(line);
      if (s && Number.isFinite(s.value))
        samples.push({ name: s.name, labels: { project, ...s.labels }, value: s.value, timestampMs: now });
    }
    if (samples.length > 0) out.push({ project, samples });
  }
  return out;
}
