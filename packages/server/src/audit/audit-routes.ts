/** The audit API under /api/audit: entries, checkpoints and RFC 9162 proofs (hashes as hex). */
import type { Context } from 'hono';
import {
  auditActionBody,
  auditEntryPathParams,
  auditErasureBody,
  auditRetentionBody,
  auditSearchParams,
  consistencyProofParams,
  inclusionProofParams,
} from '@witness/protocol';
import { Hono } from 'hono';
import { readJsonBody, WitnessError } from '../http/index.js';
import { parseBody, parsePathParams, parseQuery } from '../query/index.js';
import { projectOf } from '../auth/principal.js';
import { isErased } from './audit-entry.js';
import { entryVisible } from './query-entries.js';
import type { AuditLog } from './audit-log.js';

const hex = (b: Buffer) => b.toString('hex');

/**
 * System entries (config changes, retention runs, key events, sign-ins, denied admin actions) belong
 * to no project and hold no project's telemetry: whoever may read the audit log of any project sees
 * them, as the deployment's own history (docs/audit.md, Projects).
 */
const WITH_SYSTEM = true;

/** Types only Witness itself writes: a person cannot record a tool call or an erasure by hand. */
const SYSTEM_TYPES = new Set([
  'tool.call',
  'decision',
  'agent.error',
  'llm.call',
  'key.created',
  'key.revoked',
  'auth.denied',
  'audit.erasure',
  'audit.retention',
  'policy.violation',
]);
const MAX_BODY = 64 * 1024;

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = await readJsonBody(c, { maxBytes: MAX_BODY, what: 'audit request' });
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new WitnessError('BAD_REQUEST', 'the body must be a JSON object');
}

/**
 * Who may call which route is decided before these handlers run, by the auth middleware from each
 * route's `access` in API_ROUTES: the POST routes (people's actions) need `admin`.
 */
export function auditRoutes(log: AuditLog): Hono {
  const app = new Hono();
  // People's actions: config and key changes made outside Witness, erasures, retention runs.
  // Bodies are validated by the contract's schemas (@witness/protocol): a 400 naming the field.
  app.post('/audit/actions', async (c) => {
    const body = parseBody(auditActionBody, await jsonBody(c));
    if (SYSTEM_TYPES.has(body.type))
      throw new WitnessError(
        'BAD_REQUEST',
        `"type" must not be one Witness writes itself (${[...SYSTEM_TYPES].join(', ')})`,
      );
    // a person's action belongs to the project they act in
    const entry = await log.append({
      type: body.type,
      actor: body.actor,
      subject: body.subject ?? null,
      details: body.details ?? {},
      project: projectOf(c),
    });
    return c.json(entry, 201);
  });
  app.post('/audit/erasures', async (c) => {
    const { subject, actor } = parseBody(auditErasureBody, await jsonBody(c));
    // scoped: an admin of one project cannot erase (or learn of) another project's entries
    return c.json(await log.erase(subject, actor, projectOf(c)), 201);
  });
  app.post('/audit/retention', async (c) => {
    const { actor } = parseBody(auditRetentionBody, await jsonBody(c));
    const entry = await log.runRetention(actor);
    return entry
      ? c.json(entry, 201)
      : c.json({ message: 'retention is off (audit.retentionDays = 0)' }, 200);
  });
  app.post('/audit/checkpoints', async (c) => {
    return c.json(await log.checkpoint(), 201);
  });
  // Parameters are validated by the API contract's schemas (@witness/protocol): a 400 naming the parameter.
  app.get('/audit', (c) => {
    const { cursor, ...q } = parseQuery(auditSearchParams, c.req.query()).params;
    const page = log.query({ ...q, before: cursor, project: projectOf(c), includeSystem: WITH_SYSTEM });
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
    const { index, size = log.size } = parseQuery(inclusionProofParams, c.req.query()).params;
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
    const { from, to = log.size } = parseQuery(consistencyProofParams, c.req.query()).params;
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
    const { index } = parsePathParams(auditEntryPathParams, c.req.param());
    const entry = log.getEntry(index);
    if (!entry) throw new WitnessError('NOT_FOUND', `no audit entry ${index}; the log holds ${log.size}`);
    // Another project's entry is answered as if it did not exist. An erased entry has no project
    // left: only its leaf hash and index, which every proof publishes anyway.
    if (!isErased(entry) && !entryVisible(entry, projectOf(c), WITH_SYSTEM))
      throw new WitnessError('NOT_FOUND', `no audit entry ${index} in this project`);
    return c.json({ index, leafHash: hex(log.leafHashAt(index)), erased: isErased(entry), entry });
  });
  return app;
}
