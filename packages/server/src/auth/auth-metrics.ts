/** witness_auth_requests_total{method, outcome, reason}: every decision on a non-public route. */
import { Counter, type Registry } from 'prom-client';
import type { AuthDecision } from './auth-middleware.js';

export function authRequestsCounter(registry: Registry): (d: AuthDecision) => void {
  const counter = new Counter({
    name: 'witness_auth_requests_total',
    help: 'Requests to authenticated routes by credential method, outcome (allowed, unauthenticated, forbidden, rate_limited) and reason.',
    labelNames: ['method', 'outcome', 'reason'],
    registers: [registry],
  });
  // one child per label set: the labels are closed sets, and .labels() hashes its arguments each call
  const children = new Map<string, Counter.Internal>();
  return (d) => {
    const id = `${d.method}|${d.outcome}|${d.reason}`;
    let child = children.get(id);
    if (!child) {
      child = counter.labels(d.method, d.outcome, d.reason);
      children.set(id, child);
    }
    child.inc();
  };
}
