/**
 * What each `--target` runs (Grafana Tempo's single-binary model): `all` is one process doing
 * everything; `ingest` nodes take OTLP and write (spooling when the store is down); `query` nodes serve
 * the API, the UI, alerting and SLOs. Every node answers /healthz, /readyz and /metrics (its own health,
 * and on ingest nodes the metrics derived from what it ingested, labelled with its node name).
 */
export type Target = 'all' | 'ingest' | 'query';

export const TARGETS: readonly Target[] = ['all', 'ingest', 'query'];

/** Paths every node serves. */
const COMMON = new Set(['/healthz', '/readyz', '/metrics']);

/** Does a node of `target` serve `path`? */
export function serves(target: Target, path: string): boolean {
  if (target === 'all' || COMMON.has(path)) return true;
  const otlp = path.startsWith('/v1/');
  return target === 'ingest' ? otlp : !otlp;
}

/** The 404 message for a path this node's target does not serve: names the role and where to go. */
export function notServedMessage(target: Target, path: string): string {
  return target === 'ingest'
    ? `this Witness node runs with --target ingest: it takes OTLP on /v1/* only; ${path} is served by query nodes`
    : `this Witness node runs with --target query: send OTLP (${path}) to an ingest node`;
}

/** Which parts a target runs. */
export function runs(target: Target): { ingest: boolean; query: boolean } {
  return { ingest: target !== 'query', query: target !== 'ingest' };
}
