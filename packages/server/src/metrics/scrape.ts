/**
 * One /metrics scrape: the derived metrics, their cardinality guard and exposition budget, active
 * sessions/users, then Witness's own health and the Node runtime.
 */
import { DerivedMetrics, ProjectDerivedMetrics } from './derived-metrics.js';
import {
  ChunkedText,
  type ExpositionFormat,
  finish,
  type LineSink,
  writePromClient,
  writeVec,
} from './exposition.js';
import { escapeLabelValue } from './series-vec.js';
import type { SelfMetrics } from './self-metrics.js';

function gaugeFamily(
  out: LineSink,
  name: string,
  help: string,
  type: 'gauge' | 'counter',
  om: boolean,
  samples: Array<[string, number]>,
) {
  const fam = om && type === 'counter' ? name.replace(/_total$/, '') : name;
  out.push(`# HELP ${fam} ${help}`, `# TYPE ${fam} ${type}`);
  for (const [labels, v] of samples) out.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
}

/** Headers of families no project has series in yet (never observed). */
let emptyFamilies: DerivedMetrics | null = null;

/**
 * The exposition as UTF-8 chunks of about 64 KiB (what `GET /metrics` streams). With per-project
 * metrics every derived series carries `project="…"`; `project` keeps only that project's series
 * (a read key's scrape: no other project's names, models or users appear).
 */
export async function scrapeChunks(
  derived: DerivedMetrics | ProjectDerivedMetrics | null,
  self: SelfMetrics,
  format: ExpositionFormat,
  nowMs = Date.now(),
  project: string | null = null,
): Promise<Buffer[]> {
  const om = format === 'openmetrics';
  const out = new ChunkedText();
  if (derived) {
    const list: Array<[string, DerivedMetrics]> =
      derived instanceof ProjectDerivedMetrics ? derived.list(project) : [['', derived]];
    const prefixOf = (p: string) =>
      derived instanceof ProjectDerivedMetrics ? `${derived.nodePrefix}project="${escapeLabelValue(p)}"` : '';
    emptyFamilies ??= new DerivedMetrics();
    const families = (list[0]?.[1] ?? emptyFamilies).all;
    for (let i = 0; i < families.length; i++) {
      if (list.length === 0) writeVec(out, families[i], om); // the header alone
      for (let j = 0; j < list.length; j++)
        writeVec(out, list[j][1].all[i], om, prefixOf(list[j][0]), j === 0);
    }
    const metric = (name: string) => `metric="${escapeLabelValue(name)}"`;
    const sum = (i: number, of: (v: DerivedMetrics['all'][number]) => number) =>
      list.reduce((n, [, d]) => n + of(d.all[i]), 0);
    gaugeFamily(
      out,
      'witness_metrics_series',
      'Series held per derived metric, all projects together (each project is bounded by witness_metrics_series_limit).',
      'gauge',
      om,
      families.map((v, i) => [metric(v.name), sum(i, (x) => x.seriesCount)]),
    );
    gaugeFamily(
      out,
      'witness_metrics_series_limit',
      'Most series per derived metric and project; past it new label sets fold into the __overflow__ series.',
      'gauge',
      om,
      families.map((v) => [metric(v.name), v.limit]),
    );
    gaugeFamily(
      out,
      'witness_metrics_series_folded_total',
      'Updates folded into the __overflow__ series because the metric was at its series limit or the exposition budget was spent.',
      'counter',
      om,
      families.map((v, i) => [metric(v.name), sum(i, (x) => x.folded)]),
    );
    const budget = derived.budget;
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_bytes',
      'Most bytes of exposition all derived series together may take (metrics.maxExpositionBytes).',
      'gauge',
      om,
      [['', budget.limitBytes]],
    );
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_used_bytes',
      'Bytes of the exposition budget charged to the derived series held (their largest possible size).',
      'gauge',
      om,
      [['', budget.used]],
    );
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_refused_total',
      'Updates folded into an __overflow__ series because the exposition budget was spent.',
      'counter',
      om,
      [['', budget.refused]],
    );
    gaugeFamily(
      out,
      'witness_active_sessions',
      'Distinct sessions with a span in the last 5 minutes.',
      'gauge',
      om,
      list.map(([p, d]) => [prefixOf(p), d.sessions.count(nowMs)]),
    );
    gaugeFamily(
      out,
      'witness_active_users',
      'Distinct users with a span in the last 5 minutes.',
      'gauge',
      om,
      list.map(([p, d]) => [prefixOf(p), d.users.count(nowMs)]),
    );
  }
  await self.collect();
  for (const m of await self.registry.getMetricsAsJSON()) writePromClient(out, m, om);
  return finish(out, om);
}

/** The exposition as one string (tests and tools; the endpoint streams `scrapeChunks`). */
export async function scrape(
  derived: DerivedMetrics | ProjectDerivedMetrics | null,
  self: SelfMetrics,
  format: ExpositionFormat,
  nowMs = Date.now(),
  project: string | null = null,
): Promise<string> {
  return Buffer.concat(await scrapeChunks(derived, self, format, nowMs, project)).toString('utf8');
}
