/**
 * `witness init` as a new user runs it: the built CLI in an empty directory writes witness.yaml, and
 * `witness serve --config witness.yaml` (no other flag) starts on it, answers /readyz, and receives
 * spans from an app set up with the SDK snippet init printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agent, init, shutdown } from '@witness/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, waitReady } from './helpers/witness-process.js';

const work = mkdtempSync(join(tmpdir(), 'witness-init-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WITNESS_')) out[k] = v;
  return out;
}

function witness(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: env(),
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('witness init', () => {
  it('has --help listing its flags', () => {
    const r = witness(['init', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--data-dir', '--port', '--force']) expect(r.stdout).toContain(flag);
    expect(witness(['--help']).stdout).toMatch(/\binit\b/);
  });

  it('writes witness.yaml, refuses to overwrite it without --force, and prints the next steps', () => {
    const first = witness(['init', '--port', '9123']);
    expect(first.code, first.stderr).toBe(0);
    const written = readFileSync(join(work, 'witness.yaml'), 'utf8');
    expect(written).toMatch(/^ {2}port: 9123$/m);
    expect(first.stdout).toContain('npx witness serve --config witness.yaml');
    expect(first.stdout).toContain('export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9123');
    expect(first.stdout).toContain('export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf');
    expect(first.stdout).toContain("init({ serviceName: 'my-agent', endpoint: 'http://127.0.0.1:9123' })");

    const again = witness(['init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/witness\.yaml already exists; pass --force to overwrite it/);
    expect(readFileSync(join(work, 'witness.yaml'), 'utf8')).toBe(written);

    const bad = witness(['init', '--force', '--port', 'http']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"server.port" \(from command-line flag\)/);
    expect(readFileSync(join(work, 'witness.yaml'), 'utf8')).toBe(written);

    const dirOut = witness(['init', '--force', '--out', '.']);
    expect(dirOut.code).toBe(1);
    expect(dirOut.stderr).toMatch(/\. is a directory; give --out a file path/);

    const out = witness(['init', '--out', 'conf/other.yaml', '--data-dir', './other-data']);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(join(work, 'conf/other.yaml'), 'utf8')).toMatch(/^dataDir: \.\/other-data$/m);
    expect(out.stdout).toContain('npx witness serve --config conf/other.yaml');
  });

  it('writes a file `witness serve --config` starts on, and the printed SDK snippet delivers to it', async () => {
    const made = witness(['init', '--force', '--port', '0', '--data-dir', './served-data']);
    expect(made.code, made.stderr).toBe(0);
    const snippet = /init\(\{ serviceName: '([^']+)', endpoint: '(http:\/\/[^']+)' \}\)/.exec(made.stdout);
    expect(snippet, made.stdout).not.toBeNull();

    const child = spawn(process.execPath, [CLI_MAIN, 'serve', '--config', 'witness.yaml'], {
      cwd: work,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line; stderr:\n${stderr}`)), 30_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          const m = /^Witness listening on (http:\/\/\S+)\s*$/m.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}; stderr:\n${stderr}`)));
      });
      await waitReady(url);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // The file's dataDir (./served-data, relative to where serve runs) is the one in use.
      expect(existsSync(join(work, 'served-data'))).toBe(true);

      // Port 0 in the file: the snippet says <PORT>, which the user fills in from the listening line.
      const port = new URL(url).port;
      init({ serviceName: snippet![1]!, endpoint: snippet![2]!.replace('<PORT>', port) });
      await agent('support', async () => {});
      await shutdown();
      const list = (await (await fetch(`${url}/api/traces?limit=5`)).json()) as {
        items: Array<{ serviceName?: string; rootServiceName?: string }>;
      };
      expect(list.items.length).toBe(1);
      expect(JSON.stringify(list.items[0])).toContain('my-agent');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
