/** The human-readable summary `witness load` prints (the JSON one is the LoadResult itself). */
import type { LatencySummary } from './histogram.js';
import type { LoadProgress, LoadResult } from './run-load.js';

const lat = (l: LatencySummary) =>
  l.count ? `p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  (n=${l.count})` : 'n=0';
const pct = (x: number, of: number) => (of ? `${((x / of) * 100).toFixed(2)}%` : '0%');

export function formatSummary(r: LoadResult): string {
  const lines: string[] = [];
  lines.push(
    `witness load --profile ${r.profile}: ${(r.durationMs / 1000).toFixed(0)} s at up to ${r.ratePerMin}/min (achieved ${r.achievedPerMin}/min, ${r.spansPerIteration} spans per iteration), run ${r.runTag}`,
  );
  const it = r.iterations;
  lines.push(
    `  iterations  scheduled ${it.scheduled}  started ${it.started}  completed ${it.completed}  failed ${it.failed}  dropped ${it.dropped}`,
  );
  const i = r.ingest;
  lines.push(`  ingest      ${lat(i.latency)}`);
  lines.push(
    `              requests ${i.requests}  rejected ${i.rejected} (${pct(i.rejected, i.requests)})  failed ${i.failed} (${pct(i.failed, i.requests)})  retried ${i.retried}  statuses ${JSON.stringify(i.statuses)}`,
  );
  lines.push(
    `              spans sent ${i.spansSent}  acknowledged ${i.spansAcknowledged}  logs sent ${i.logsSent}  acknowledged ${i.logsAcknowledged}  (${i.spansPerSecond} spans/s)`,
  );
  const q = r.query;
  lines.push(`  query idle  ${lat(q.idle)}`);
  lines.push(`  query load  ${lat(q.load)}${q.ratio === null ? '' : `  (p95 ${q.ratio}× idle)`}`);
  for (const [kind, l] of Object.entries(q.byKind)) lines.push(`    ${kind.padEnd(14)}${lat(l)}`);
  lines.push(
    `              requests ${q.requests}  rejected ${q.rejected}  failed ${q.failed}  dropped ${q.dropped}`,
  );
  const s = r.server;
  lines.push(
    s.rssStartMb === null
      ? '  server RSS  not available (/metrics did not answer; with auth on, pass a key with metrics access)'
      : `  server RSS  start ${s.rssStartMb} MB  max ${s.rssMaxMb} MB  end ${s.rssEndMb} MB  growth over the last half ${s.rssGrowth === null ? 'n/a' : `${(s.rssGrowth * 100).toFixed(1)}%`}`,
  );
  if (r.breakpoint) {
    lines.push('  breakpoint steps:');
    for (const st of r.breakpoint.steps)
      lines.push(
        `    ${String(st.ratePerMin).padStart(7)}/min  ${st.ok ? 'ok  ' : 'FAIL'}  ingest p95 ${st.ingest.p95} ms  iterations ${st.iterations}  rejected ${st.rejected}  failed ${st.failed}  dropped ${st.dropped}${st.reason ? `  (${st.reason})` : ''}`,
      );
    const b = r.breakpoint;
    lines.push(
      b.sustainablePerMin === null
        ? '  sustainable rate: none (the first step already failed; start lower with --rate)'
        : `  sustainable rate: ${b.sustainablePerMin}/min (${Math.round((b.sustainablePerMin / 60) * r.spansPerIteration)} spans/s)${b.reachedLimit ? '' : ' — every step held; the limit is higher (raise --rate or --duration)'}`,
    );
  }
  if (r.verify)
    lines.push(
      `  verify      spans stored ${r.verify.spansStored} of ${i.spansSent} sent (lost ${r.verify.spansLost})`,
    );
  for (const e of r.errors.slice(0, 5)) lines.push(`  error: ${e}`);
  for (const t of r.thresholds)
    lines.push(`  ${t.ok ? '✓' : '✗'} ${t.expr} (actual ${t.actual ?? 'not measured'})`);
  return lines.join('\n');
}

export function formatProgress(p: LoadProgress): string {
  const bar = 24;
  const done = p.totalMs ? Math.min(bar, Math.round((p.elapsedMs / p.totalMs) * bar)) : 0;
  return `${p.phase.padEnd(7)} [${'='.repeat(done)}${' '.repeat(bar - done)}] ${Math.round(p.elapsedMs / 1000)}/${Math.round(p.totalMs / 1000)} s  ${p.ratePerMin}/min  iter ${p.iterations}  in-flight ${p.inFlight}  dropped ${p.dropped}  ingest p95 ${p.ingestP95} ms  query p95 ${p.queryP95} ms  rejected ${p.rejected}  failed ${p.failed}  rss ${p.rssMb ?? '?'} MB`;
}
