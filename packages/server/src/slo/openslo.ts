/**
 * OpenSLO v1 documents (https://github.com/OpenSLO/OpenSLO#slo) into Witness SLO specs, for
 * `witness slo import file.yaml`. An SLO's indicator (inline `indicator` or a `kind: SLI` document
 * named by `indicatorRef`) must be a ratioMetric whose metricSource has `type: Witness`; its spec says
 * which spans count: `{ sli: error_ratio | latency, thresholdMs?, service?, kind?, agent?, model?,
 * tool?, name?, attributes? }`. Anything else is an error naming the document, not a silent skip.
 */
import { type SloSpecInput, sloSpecSchema } from '@witness/protocol';
import { parseAllDocuments } from 'yaml';

export class OpenSloError extends Error {}

type Doc = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; displayName?: string };
  spec?: Record<string, unknown>;
};

const SELECTOR_KEYS = ['service', 'kind', 'name', 'agent', 'model', 'tool', 'attributes'] as const;

function sliFrom(indicator: Doc, where: string): SloSpecInput['sli'] {
  const spec = indicator.spec ?? {};
  const ratio = spec.ratioMetric as
    | { total?: { metricSource?: { type?: string; spec?: Record<string, unknown> } } }
    | undefined;
  const source =
    ratio?.total?.metricSource ??
    (spec.thresholdMetric as { metricSource?: { type?: string; spec?: Record<string, unknown> } } | undefined)
      ?.metricSource;
  if (!source || String(source.type).toLowerCase() !== 'witness')
    throw new OpenSloError(
      `${where}: the indicator needs a ratioMetric whose metricSource has type: Witness (got ${source?.type ?? 'none'})`,
    );
  const s = source.spec ?? {};
  const spans: Record<string, unknown> = {};
  for (const k of SELECTOR_KEYS) if (s[k] !== undefined) spans[k] = s[k];
  if (s.sli === 'latency') {
    if (typeof s.thresholdMs !== 'number')
      throw new OpenSloError(`${where}: a latency SLI needs thresholdMs`);
    return { kind: 'latency', spans, thresholdMs: s.thresholdMs } as SloSpecInput['sli'];
  }
  if (s.sli !== undefined && s.sli !== 'error_ratio')
    throw new OpenSloError(`${where}: metricSource spec.sli must be error_ratio or latency`);
  return { kind: 'error_ratio', spans } as SloSpecInput['sli'];
}

export function importOpenSlo(text: string, source = 'input'): SloSpecInput[] {
  const docs = parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new OpenSloError(`${source}: ${d.errors[0]?.message}`);
    return d.toJS() as Doc;
  });
  const slis = new Map(docs.filter((d) => d?.kind === 'SLI').map((d) => [d.metadata?.name, d]));
  const out: SloSpecInput[] = [];
  for (const doc of docs) {
    if (doc?.kind !== 'SLO') continue;
    const name = doc.metadata?.name;
    const where = `${source}: SLO ${name ?? '(unnamed)'}`;
    if (!String(doc.apiVersion ?? '').startsWith('openslo/v1'))
      throw new OpenSloError(`${where}: apiVersion must be openslo/v1 (got ${doc.apiVersion})`);
    const spec = doc.spec ?? {};
    const indicator = (spec.indicator as Doc | undefined) ?? slis.get(spec.indicatorRef as string);
    if (!indicator)
      throw new OpenSloError(`${where}: no indicator and no SLI named ${String(spec.indicatorRef)}`);
    const objectives =
      (spec.objectives as Array<{ target?: number; targetPercent?: number }> | undefined) ?? [];
    const first = objectives[0];
    const objective =
      first?.target ?? (first?.targetPercent !== undefined ? first.targetPercent / 100 : undefined);
    if (objective === undefined)
      throw new OpenSloError(`${where}: objectives[0] needs target or targetPercent`);
    if (objectives.length > 1)
      throw new OpenSloError(`${where}: one objective per SLO (split it into several SLOs)`);
    const windows = (spec.timeWindow as Array<{ duration?: string; isRolling?: boolean }> | undefined) ?? [];
    const window = windows[0];
    if (window && window.isRolling === false)
      throw new OpenSloError(`${where}: calendar-aligned windows are not supported; use isRolling: true`);
    if (spec.budgetingMethod !== undefined && spec.budgetingMethod !== 'Occurrences')
      throw new OpenSloError(
        `${where}: budgetingMethod must be Occurrences (events counted), got ${spec.budgetingMethod}`,
      );
    const slo: SloSpecInput = {
      name: name as string,
      ...(spec.description ? { description: String(spec.description) } : {}),
      sli: sliFrom(indicator, where),
      objective,
      ...(window?.duration ? { window: window.duration } : {}),
    };
    const parsed = sloSpecSchema.safeParse(slo);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OpenSloError(`${where}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    out.push(slo);
  }
  if (out.length === 0) throw new OpenSloError(`${source}: no kind: SLO document`);
  return out;
}
