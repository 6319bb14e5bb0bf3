/**
 * One /metrics scrape: the derived metrics, their cardinality guard and exposition budget, active
 * sessions/users, then Witness's own health and the Node runtime.
 */
import type { DerivedMetrics } from './derived-metrics.js';
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

/** The exposition as UTF-8 chunks of about 64 KiB (what `GET /metrics` streams). */
export async function scrapeChunks(
  derived: DerivedMetrics | null,
  self: SelfMetrics,
  format: ExpositionFormat,
  nowMs = Date.now(),
): Promise<Buffer[]> {
  const om = format === 'openmetrics';
  const out = new ChunkedText();
  if (derived) {
    for (const vec of derived.all) writeVec(out, vec, om);
    const metric = (name: string) => `metric="${escapeLabelValue(name)}"`;
    gaugeFamily(
      out,
      'witness_metrics_series',
      'Series held per derived metric (bounded by witness_metrics_series_limit).',
      'gauge',
      om,
      derived.all.map((v) => [metric(v.name), v.seriesCount]),
    );
    gaugeFamily(
      out,
      'witness_metrics_series_limit',
      'Most series per derived metric; past it new label sets fold into the __overflow__ series.',
      'gauge',
      om,
      derived.all.map((v) => [metric(v.name), v.limit]),
    );
    gaugeFamily(
      out,
      'witness_metrics_series_folded_total',
      'Updates folded into the __overflow__ series because the metric was at its series limit or the exposition budget was spent.',
      'counter',
      om,
      derived.all.map((v) => [metric(v.name), v.folded]),
    );
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_bytes',
      'Most bytes of exposition all derived series together may take (metrics.maxExpositionBytes).',
      'gauge',
      om,
      [['', derived.budget.limitBytes]],
    );
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_used_bytes',
      'Bytes of the exposition budget charged to the derived series held (their largest possible size).',
      'gauge',
      om,
      [['', derived.budget.used]],
    );
    gaugeFamily(
      out,
      'witness_metrics_exposition_budget_refused_total',
      'Updates folded into an __overflow__ series because the exposition budget was spent.',
      'counter',
      om,
      [['', derived.budget.refused]],
    );
    gaugeFamily(
      out,
      'witness_active_sessions',
      'Distinct sessions with a span in the last 5 minutes.',
      'gauge',
      om,
      [['', derived.sessions.count(nowMs)]],
    );
    gaugeFamily(
      out,
      'witness_active_users',
      'Distinct users with a span in the last 5 minutes.',
      'gauge',
      om,
      [['', derived.users.count(nowMs)]],
    );
  }
  await self.collect();
  for (const m of await self.registry.getMetricsAsJSON()) writePromClient(out, m, om);
  return finish(out, om);
}

/** The exposition as one string (tests and tools; the endpoint streams `scrapeChunks`). */
export async function scrape(
  derived: DerivedMetrics | null,
  self: SelfMetrics,
  format: ExpositionFormat,
  nowMs = Date.now(),
): Promise<string> {
  return Buffer.concat(await scrapeChunks(derived, self, format, nowMs)).toString('utf8');
}
