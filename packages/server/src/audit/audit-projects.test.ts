import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveProjectUnauthenticated } from '../auth/index.js';
import { createApp } from '../http/index.js';
import type { AuditEntry } from './audit-entry.js';
import { AuditLog } from './audit-log.js';
import { auditRoutes } from './audit-routes.js';

let dir: string;
let log: AuditLog;
const app = createApp();
/** Sequence numbers by project, as appended below. */
const seqs: Record<string, number[]> = { alpha: [], beta: [], system: [] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-audit-projects-'));
  log = await AuditLog.open({ dir: join(dir, 'audit'), keysDir: join(dir, 'keys'), checkpointIntervalMs: 0 });
  await log.recordConfig({ a: 1 });
  // the config entry and what the log writes at open (its signing key): entries of no project
  seqs.system = log
    .query({ limit: 1000 })
    .entries.filter((e) => e.project === null)
    .map((e) => e.seq)
    .sort((a, b) => a - b);
  expect(seqs.system.length).toBeGreaterThan(0);
  for (const project of ['alpha', 'beta', 'alpha', 'beta'])
    for (const user of ['carol', 'dave']) {
      const e = await log.append({
        type: 'tool.call',
        actor: 'agent:a',
        subject: `${project}-tool`,
        user,
        project,
      });
      seqs[project].push(e.seq);
    }
  app.use('*', resolveProjectUnauthenticated());
  app.route('/api', auditRoutes(log));
});
afterAll(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string, project: string) => {
  const res = await app.request(url, { headers: { 'x-witness-project': project } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = (path: string, project: string, body: unknown) =>
  app.request(`/api/audit/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-witness-project': project },
    body: JSON.stringify(body),
  });

describe('audit routes per project', () => {
  it("lists the caller's project's entries and the system ones, never another project's", async () => {
    const alpha = (await get('/api/audit?limit=1000', 'alpha')).body.entries as AuditEntry[];
    expect(alpha.map((e) => e.seq).sort((a, b) => a - b)).toEqual([...seqs.system, ...seqs.alpha]);
    expect(JSON.stringify(alpha)).not.toContain('beta');
    const beta = (await get('/api/audit?limit=1000&type=tool.call', 'beta')).body.entries as AuditEntry[];
    expect(beta.map((e) => e.project)).toEqual(['beta', 'beta', 'beta', 'beta']);
    expect(((await get('/api/audit?type=tool.call', 'gamma')).body.entries as unknown[]).length).toBe(0);
  });

  it("answers another project's entry by index with 404, its own and system ones with 200", async () => {
    const [a] = seqs.alpha;
    const [b] = seqs.beta;
    expect((await get(`/api/audit/entries/${b}`, 'alpha')).status).toBe(404);
    expect(JSON.stringify((await get(`/api/audit/entries/${b}`, 'alpha')).body)).not.toContain('beta-tool');
    expect((await get(`/api/audit/entries/${b}`, 'beta')).body.entry).toMatchObject({ project: 'beta' });
    expect((await get(`/api/audit/entries/${a}`, 'alpha')).status).toBe(200);
    expect((await get(`/api/audit/entries/${seqs.system.at(-1)}`, 'beta')).body.entry).toMatchObject({
      type: 'config.change',
      project: null,
    });
  });

  it('records a person’s action in their project, and erases a subject in the caller’s project only', async () => {
    const action = await post('actions', 'alpha', { type: 'policy.approved', actor: 'ops', subject: 'x' });
    expect(((await action.json()) as AuditEntry).project).toBe('alpha');
    const res = await post('erasures', 'alpha', { subject: 'carol', actor: 'dpo' });
    expect(res.status).toBe(201);
    const erasure = (await res.json()) as AuditEntry & { details: { erased: number[] } };
    expect(erasure.project).toBe('alpha');
    // alpha's two carol entries, not beta's
    const carolAlpha = seqs.alpha.filter((_, i) => i % 2 === 0);
    expect(erasure.details.erased).toEqual(carolAlpha);
    const betaUsers = (
      (await get('/api/audit?limit=1000&type=tool.call', 'beta')).body.entries as AuditEntry[]
    ).map((e) => e.user);
    expect(betaUsers.sort()).toEqual(['carol', 'carol', 'dave', 'dave']);
    // the erasure is beta-invisible
    const betaTypes = ((await get('/api/audit?limit=1000', 'beta')).body.entries as AuditEntry[]).map(
      (e) => e.type,
    );
    expect(betaTypes).not.toContain('audit.erasure');
  });

  it('proofs and checkpoints stay global: hashes only, whatever the project', async () => {
    const [b] = seqs.beta;
    await post('checkpoints', 'alpha', {});
    const proof = await get(`/api/audit/proofs/inclusion?index=${b}`, 'alpha');
    expect(proof.status).toBe(200);
    expect(Object.keys(proof.body).sort()).toEqual(['index', 'leafHash', 'proof', 'rootHash', 'size']);
    expect((await get('/api/audit/checkpoints/latest', 'gamma')).status).toBe(200);
  });
});
