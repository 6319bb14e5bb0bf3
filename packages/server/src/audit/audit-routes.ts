/** The audit API under /api/audit: entries, checkpoints and RFC 9162 proofs (hashes as hex). */
import { Hono } from 'hono';
import { WitnessError } from '../http/errors.js';
import { isErased } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';

function intParam(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new WitnessError('BAD_REQUEST', `query parameter "${name}" is required (a non-negative integer)`);
  }
  if (!/^\d{1,15}$/.test(value))
    throw new WitnessError(
      'BAD_REQUEST',
      `query parameter "${name}" must be a non-negative integer, got "${value}"`,
    );
  return Number(value);
}

function timeParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t))
    throw new WitnessError(
      'BAD_REQUEST',
      `query parameter "${name}" must be an ISO 8601 time or epoch milliseconds`,
    );
  return t;
}

const hex = (b: Buffer) => b.toString('hex');

export function auditRoutes(log: AuditLog): Hono {
  const app = new Hono();
  app.get('/audit', (c) => {
    const q = c.req.query();
    const limit = intParam(q.limit, 'limit', 100);
    if (limit < 1 || limit > 1000)
      throw new WitnessError('BAD_REQUEST', 'query parameter "limit" must be 1..1000');
    const page = log.query({
      from: timeParam(q.from, 'from'),
      to: timeParam(q.to, 'to'),
      type: q.type || undefined,
      actor: q.actor || undefined,
      agent: q.agent || undefined,
      traceId: q.traceId || undefined,
      before: q.cursor ? intParam(q.cursor, 'cursor') : undefined,
      limit,
    });
    return c.json({
      entries: page.entries,
      nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
    });
  });
  app.get('/audit/checkpoints/latest', (c) => {
    const cp = log.latestCheckpoint();
    if (!cp) throw new WitnessError('NOT_FOUND', 'no checkpoint signed yet; retry in a second');
    return c.json({ ...cp, publicKey: log.key.publicKeyPem });
  });
  app.get('/audit/proofs/inclusion', (c) => {
    const index = intParam(c.req.query('index'), 'index');
    const size = intParam(c.req.query('size'), 'size', log.size);
    if (size < 1 || size > log.size)
      throw new WitnessError('BAD_REQUEST', `"size" must be 1..${log.size} (the log's current size)`);
    if (index >= size) throw new WitnessError('BAD_REQUEST', `"index" must be below size ${size}`);
    return c.json({
      index,
      size,
      leafHash: hex(log.leafHashAt(index)),
      rootHash: hex(log.root(size)),
      proof: log.inclusionProof(index, size).map(hex),
    });
  });
  app.get('/audit/proofs/consistency', (c) => {
    const from = intParam(c.req.query('from'), 'from');
    const to = intParam(c.req.query('to'), 'to', log.size);
    if (to > log.size || from > to)
      throw new WitnessError('BAD_REQUEST', `need from <= to <= ${log.size} (the log's current size)`);
    return c.json({
      from,
      to,
      fromRootHash: hex(log.root(from)),
      toRootHash: hex(log.root(to)),
      proof: log.consistencyProof(from, to).map(hex),
    });
  });
  app.get('/audit/entries/:index', (c) => {
    const index = intParam(c.req.param('index'), 'index');
    const entry = log.getEntry(index);
    if (!entry) throw new WitnessError('NOT_FOUND', `no audit entry ${index}; the log holds ${log.size}`);
    return c.json({ index, leafHash: hex(log.leafHashAt(index)), erased: isErased(entry), entry });
  });
  return app;
}
