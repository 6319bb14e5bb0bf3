/** The audit API under /api/audit: entries, checkpoints and RFC 9162 proofs (hashes as hex). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import {
  auditEntryPathParams,
  auditSearchParams,
  consistencyProofParams,
  inclusionProofParams,
} from '@witness/protocol';
import { Hono } from 'hono';
import { WitnessError } from '../http/errors.js';
import { parsePathParams, parseQuery } from '../query/index.js';
import { isErased } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';

const hex = (b: Buffer) => b.toString('hex');

/** Types only Witness itself writes: a person cannot record a tool call or an erasure by hand. */
const SYSTEM_TYPES = new Set([
  'tool.call',
  'decision',
  'agent.error',
  'llm.call',
  'key.created',
  'audit.erasure',
  'audit.retention',
]);
const MAX_BODY = 64 * 1024;

export interface AuditRoutesOptions {
  /** Bearer token for the people-action endpoints (POST); null leaves them disabled (403). */
  adminToken?: string | null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function requireAdmin(c: Context, token: string | null | undefined): void {
  if (!token)
    throw new WitnessError(
      'FORBIDDEN',
      'audit admin endpoints are disabled: set audit.adminToken (WITNESS_AUDIT_ADMIN_TOKEN)',
    );
  const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
  if (!given) throw new WitnessError('UNAUTHORIZED', 'send "Authorization: Bearer <audit admin token>"');
  if (!timingSafeEqual(digest(given), digest(token)))
    throw new WitnessError('FORBIDDEN', 'wrong audit admin token');
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY)
    throw new WitnessError('PAYLOAD_TOO_LARGE', `audit request bodies are limited to ${MAX_BODY} bytes`);
  if (!(c.req.header('content-type') ?? '').includes('application/json'))
    throw new WitnessError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  const text = await c.req.text();
  if (text.length > MAX_BODY)
    throw new WitnessError('PAYLOAD_TOO_LARGE', `audit request bodies are limited to ${MAX_BODY} bytes`);
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {}
  throw new WitnessError('BAD_REQUEST', 'the body must be a JSON object');
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | null {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new WitnessError('BAD_REQUEST', `"${name}" is required (a non-empty string)`);
    return null;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 512)
    throw new WitnessError('BAD_REQUEST', `"${name}" must be a string of 1..512 characters`);
  return v;
}

export function auditRoutes(log: AuditLog, options: AuditRoutesOptions = {}): Hono {
  const app = new Hono();
  // People's actions: config and key changes made outside Witness, erasures, retention runs.
  app.post('/audit/actions', async (c) => {
    requireAdmin(c, options.adminToken);
    const body = await jsonBody(c);
    const type = stringField(body, 'type', true) as string;
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(type) || SYSTEM_TYPES.has(type))
      throw new WitnessError(
        'BAD_REQUEST',
        `"type" must be a lowercase name like "config.change", not one Witness writes itself (${[...SYSTEM_TYPES].join(', ')})`,
      );
    const details = body.details ?? {};
    if (typeof details !== 'object' || Array.isArray(details))
      throw new WitnessError('BAD_REQUEST', '"details" must be an object');
    const entry = await log.append({
      type,
      actor: stringField(body, 'actor', true),
      subject: stringField(body, 'subject', false),
      details: details as Record<string, unknown>,
    });
    return c.json(entry, 201);
  });
  app.post('/audit/erasures', async (c) => {
    requireAdmin(c, options.adminToken);
    const body = await jsonBody(c);
    const entry = await log.erase(
      stringField(body, 'subject', true) as string,
      stringField(body, 'actor', true) as string,
    );
    return c.json(entry, 201);
  });
  app.post('/audit/retention', async (c) => {
    requireAdmin(c, options.adminToken);
    const body = await jsonBody(c);
    const entry = await log.runRetention(stringField(body, 'actor', true) as string);
    return entry
      ? c.json(entry, 201)
      : c.json({ message: 'retention is off (audit.retentionDays = 0)' }, 200);
  });
  app.post('/audit/checkpoints', async (c) => {
    requireAdmin(c, options.adminToken);
    return c.json(await log.checkpoint(), 201);
  });
  // Parameters are validated by the API contract's schemas (@witness/protocol): a 400 naming the parameter.
  app.get('/audit', (c) => {
    const { cursor, ...q } = parseQuery(auditSearchParams, c.req.query()).params;
    const page = log.query({ ...q, before: cursor });
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
    return c.json({ index, leafHash: hex(log.leafHashAt(index)), erased: isErased(entry), entry });
  });
  return app;
}
