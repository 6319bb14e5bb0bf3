/** `GET /api/governance/violations` and `/summary`, in the caller's project (`projectOf`). */
import { violationSearchParams, violationSummaryParams } from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../auth/principal.js';
import { WitnessError } from '../http/errors.js';
import { parseQuery } from '../query/index.js';
import type { Governance } from './governance.js';
import type { Violations } from '../store/index.js';

const DAY_MS = 86_400_000;
/** About 60 bars whatever the range: bounded answers, readable charts. */
const BUCKETS = 60;

function requireStore(get: () => Violations | null): Violations {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

export function governanceRoutes(options: { store: () => Violations | null; governance: Governance }): Hono {
  const api = new Hono();
  api.get('/governance/violations', async (c) => {
    const { params } = parseQuery(violationSearchParams, c.req.query());
    const { from, to, ...rest } = params;
    return c.json(
      await requireStore(options.store).search(
        {
          ...rest,
          project: projectOf(c),
          fromNs: from === undefined ? undefined : BigInt(from) * 1_000_000n,
          toNs: to === undefined ? undefined : BigInt(to) * 1_000_000n,
        },
        { signal: c.req.raw.signal },
      ),
    );
  });
  api.get('/governance/summary', async (c) => {
    const { params } = parseQuery(violationSummaryParams, c.req.query());
    const to = params.to ?? Date.now();
    const from = params.from ?? to - DAY_MS;
    if (from >= to) throw new WitnessError('BAD_REQUEST', '`from` must be before `to`');
    const bucketMs = Math.max(1000, Math.ceil((to - from) / BUCKETS / 1000) * 1000);
    const counts = await requireStore(options.store).summary(
      {
        project: projectOf(c),
        fromNs: BigInt(from) * 1_000_000n,
        toNs: BigInt(to) * 1_000_000n,
        bucketNs: BigInt(bucketMs) * 1_000_000n,
      },
      { signal: c.req.raw.signal },
    );
    return c.json({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bucketMs,
      ...counts,
      policies: options.governance.policies.map((p) => ({
        name: p.name,
        description: p.description,
        expression: p.expression,
        severity: p.severity,
        action: p.action,
      })),
    });
  });
  return api;
}
