/**
 * Secure by default, through the real `witness serve`: beyond loopback auth is on unless turned off;
 * turned off there, the server refuses to start (a clear message, nothing written) unless --insecure,
 * and then it warns on every start.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, keysFilePath, updateKeysFile } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, startWitness } from './helpers/witness-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'witness-auth-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('starting beyond loopback', () => {
  it('with auth off it refuses to start, says why and what to do, and writes nothing', async () => {
    const dataDir = join(scratch, 'refused');
    const { code, stderr } = await run(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], {
      WITNESS_AUTH_ENABLED: 'false',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('refusing to listen on 0.0.0.0 with auth off');
    expect(stderr).toContain('--insecure');
    expect(stderr).toContain('witness keys create');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('with --insecure it starts open and warns', async () => {
    const w = await startWitness({
      args: ['--host', '0.0.0.0', '--insecure'],
      env: { WITNESS_AUTH_ENABLED: 'false' },
    });
    try {
      expect(w.stderr()).toMatch(/INSECURE: listening on 0\.0\.0\.0 with auth off/);
      expect((await fetch(`${w.url}/api/traces`)).status).toBe(200);
    } finally {
      await w.stop();
    }
  });

  it('by default auth is on there: only /healthz and /readyz answer without a key, and it says how to make one', async () => {
    const w = await startWitness({ args: ['--host', '0.0.0.0'] });
    try {
      expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
      for (const path of ['/api/traces', '/api/services', '/metrics', '/api/openapi.json', '/api/audit'])
        expect((await fetch(`${w.url}${path}`)).status, path).toBe(401);
      const post = await fetch(`${w.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"resourceSpans":[]}',
      });
      expect(post.status).toBe(401);
      // the OTLP shape exporters parse: google.rpc.Status with UNAUTHENTICATED (16)
      expect(await post.json()).toMatchObject({ code: 16 });
      expect(w.stderr()).toContain('no API key exists yet');
      expect(w.stderr()).not.toContain('INSECURE');
    } finally {
      await w.stop();
    }
  });

  it('--demo with auth on: the demo agents ingest with an in-memory token of their own', async () => {
    const dataDir = mkdtempSync(join(scratch, 'demo-'));
    const admin = generateKey({ name: 'reader', project: 'default', scope: 'admin', expiresAt: null });
    updateKeysFile(keysFilePath(dataDir), (c) => {
      c.keys.push(admin.record);
    });
    const w = await startWitness({
      dataDir,
      args: ['--host', '0.0.0.0', '--demo', '--no-demo-live', '--demo-traces', '3'],
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!w.stderr().includes('demo workload sent') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(w.stderr()).toContain('demo workload sent');
      const page = (await (
        await fetch(`${w.url}/api/traces?limit=10`, { headers: { authorization: `Bearer ${admin.key}` } })
      ).json()) as { items: unknown[] };
      expect(page.items.length).toBeGreaterThan(0);
      // the token is the demo's alone: it is not an admin, and it is not written anywhere
      expect(w.stderr()).not.toMatch(/Bearer /);
    } finally {
      await w.stop();
    }
  });

  it('on loopback auth stays off by default (the quickstart needs no key)', async () => {
    const w = await startWitness();
    try {
      expect((await fetch(`${w.url}/api/traces`)).status).toBe(200);
    } finally {
      await w.stop();
    }
  });
});
