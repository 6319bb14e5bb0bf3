import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../http/index.js';
import { AuditLog } from './audit-log.js';
import { auditRoutes } from './audit-routes.js';
import { verifyConsistency } from './verify-proof.js';

let dir: string;
let log: AuditLog;
const app = createApp();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-audit-routes-'));
  log = await AuditLog.open({ dir: join(dir, 'audit'), keysDir: join(dir, 'keys'), checkpointIntervalMs: 0 });
  for (let i = 0; i < 12; i++)
    await log.append({
      type: 'tool.call',
      actor: 'agent:a',
      subject: `t${i}`,
      user: i % 4 === 0 ? 'carol' : 'dave',
    });
  app.route('/api', auditRoutes(log));
});
afterAll(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

// Who may POST here is the auth middleware's decision (admin access in API_ROUTES), tested by
// test/auth-matrix.e2e.test.ts; these tests are about the handlers.
const post = (path: string, body: unknown) =>
  app.request(`/api/audit/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('audit routes', () => {
  it('answers bad parameters with 400 naming the parameter', async () => {
    for (const [url, word] of [
      ['/api/audit/proofs/inclusion?index=x', 'index'],
      ['/api/audit/proofs/inclusion?index=99', 'index'],
      ['/api/audit/proofs/consistency?from=9&to=3', 'from'],
      ['/api/audit?limit=0', 'limit'],
      ['/api/audit?from=yesterday', 'from'],
    ] as const) {
      const res = await app.request(url);
      expect(res.status, url).toBe(400);
      expect(await res.text(), url).toContain(word);
    }
    expect((await app.request('/api/audit/entries/500')).status).toBe(404);
  });

  it('people actions cannot forge system entry types', async () => {
    expect((await post('actions', { type: 'tool.call', actor: 'ops' })).status).toBe(400);
    expect((await post('actions', { type: 'key.revoked', actor: 'ops' })).status).toBe(400);
    // Bodies follow the contract's schemas: each bad field is a 400 that names it.
    for (const [path, body, field] of [
      ['actions', { type: 'Config Change', actor: 'ops' }, 'type'],
      ['actions', { type: 'config.change' }, 'actor'],
      ['actions', { type: 'config.change', actor: 'ops', details: [1, 2] }, 'details'],
      ['actions', { type: 'config.change', actor: 'x'.repeat(513) }, 'actor'],
      ['erasures', { subject: '', actor: 'ops' }, 'subject'],
      ['retention', { actor: 42 }, 'actor'],
    ] as const) {
      const res = await post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = (await res.json()) as { error: { message: string } };
      expect(error.message, JSON.stringify(body)).toContain(`"${field}"`);
    }
    const ok = await post('actions', {
      type: 'config.change',
      actor: 'ops@example.com',
      subject: 'retention.maxAgeDays',
      details: { from: 30, to: 90 },
    });
    expect(ok.status).toBe(201);
    const entry = (await ok.json()) as { seq: number };
    const listed = await (await app.request('/api/audit?type=config.change')).json();
    expect(listed.entries[0]).toMatchObject({
      seq: entry.seq,
      actor: 'ops@example.com',
      details: { to: 90 },
    });
  });

  it('erasure through the API removes the subject and is itself recorded; consistency proof from before verifies', async () => {
    const before = log.size;
    const oldRoot = log.root(before);
    const res = await post('erasures', { subject: 'carol', actor: 'dpo@example.com' });
    expect(res.status).toBe(201);
    const e = (await res.json()) as { type: string; details: { erased: number[] } };
    expect(e.type).toBe('audit.erasure');
    expect(e.details.erased.length).toBe(3);
    const got = await (await app.request(`/api/audit/entries/${e.details.erased[0]}`)).json();
    expect(got).toMatchObject({ erased: true });
    const cons = await (await app.request(`/api/audit/proofs/consistency?from=${before}`)).json();
    expect(
      verifyConsistency(
        before,
        cons.to,
        oldRoot,
        Buffer.from(cons.toRootHash, 'hex'),
        cons.proof.map((h: string) => Buffer.from(h, 'hex')),
      ),
    ).toBe(true);
    const cp = await post('checkpoints', {});
    expect(cp.status).toBe(201);
    const latest = await (await app.request('/api/audit/checkpoints/latest')).json();
    expect(latest.size).toBe(log.size);
  });
});
