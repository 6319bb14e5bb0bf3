/**
 * Witness installed as a user outside this repository installs it: the npm section of docs/install.md
 * is run line by line as written (`npm pack` in the checkout, `npm install` of the tarballs into an
 * empty directory under the system temp dir, `npx witness serve` there), only with temporary paths
 * and a free port. The installed server then serves its UI to a real Chromium, an agent app in a
 * separate directory sends spans with the installed @witness/sdk over OTLP, and they come back through
 * the API and the UI. The image's command line (the Dockerfile's ENTRYPOINT + CMD, parsed, not copied)
 * runs in the same install and passes the image's HEALTHCHECK.
 *
 * Third-party dependencies come from the npm registry through npm's cache (the default one, so a warm
 * cache makes the installs take seconds); with no registry and a cold cache this test fails.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthcheckCommand, imageCommand } from './helpers/deploy-lint.js';
import { REPO_ROOT } from './helpers/witness-process.js';
import { launchBrowser } from './ui/browser.js';

const DOC_TARBALLS = '/tmp/witness-tarballs';
const installDoc = readFileSync(join(REPO_ROOT, 'docs/install.md'), 'utf8');
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

/** The `sh` blocks of the "## npm" section, as lists of command lines (comments dropped). */
function npmSectionBlocks(markdown: string): string[][] {
  const section = markdown.slice(markdown.indexOf('\n## npm\n'), markdown.indexOf('\n## Container\n'));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter(Boolean),
  );
}

const work = mkdtempSync(join(tmpdir(), 'witness-tarball-'));
const tarballs = join(work, 'tarballs');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The environment a user's shell would give: none of this test run's npm_* or WITNESS_* variables. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|WITNESS_|NODE_OPTIONS$|VITEST|INIT_CWD$)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** A documented line with the doc's tarball folder swapped for this test's. */
const localise = (line: string) => line.replaceAll(DOC_TARBALLS, tarballs);

/** Runs one documented shell line; `mkdir X && cd X` moves into a fresh directory under the work dir. */
function runLine(line: string, cwd: string): { cwd: string; ms: number } {
  const t0 = Date.now();
  const dir = /^mkdir (\S+) && cd \1$/.exec(line);
  if (dir) {
    const next = join(work, dir[1]!);
    mkdirSync(next);
    return { cwd: next, ms: 0 };
  }
  // npm's cache first (the command line stays the documented one): with a warm cache it takes seconds
  const r = spawnSync('sh', ['-c', localise(line)], {
    cwd,
    env: userEnv({ npm_config_prefer_offline: 'true' }),
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return { cwd, ms: Date.now() - t0 };
}

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns a server command line and waits for its `Witness listening on` line. */
async function startServer(argv: string[], cwd: string, env: Record<string, string>): Promise<Started> {
  // its own process group, as a shell gives a foreground job (Ctrl-C signals the whole group)
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    env: userEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${argv.join(' ')}: no listening line\n${stderr}`)),
      60_000,
    );
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Witness listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exit.then((code) => reject(new Error(`${argv.join(' ')} exited with ${code}\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exit };
}

const blocks = npmSectionBlocks(installDoc);
const [packBlock, serverBlock, appBlock] = blocks;
const timings: Record<string, number> = {};

describe('the documented npm install, run as written', () => {
  it('docs/install.md has the three blocks: pack in the clone, install + serve, the app’s SDK install', () => {
    expect(blocks).toHaveLength(3);
    expect(packBlock).toEqual([
      `mkdir -p ${DOC_TARBALLS}`,
      `npm pack --workspaces --pack-destination ${DOC_TARBALLS}`,
    ]);
    expect(serverBlock![0]).toBe('mkdir witness && cd witness');
    expect(serverBlock![1]).toMatch(/^npm install (\/tmp\/witness-tarballs\/witness-[a-z]+-[\d.]+\.tgz ?)+$/);
    expect(serverBlock!.at(-1)).toBe('npx witness serve');
    expect(appBlock).toEqual([
      'mkdir my-agent && cd my-agent',
      expect.stringMatching(/^npm install \S+witness-sdk-/),
    ]);
    expect(work.startsWith(REPO_ROOT), 'the install happens outside the repository').toBe(false);
  });
});

describe('Witness installed from its tarballs', () => {
  let server: Started;
  let serverDir: string;
  let appDir: string;

  beforeAll(async () => {
    // 1. in the checkout: every package packed (npm runs each package's prepack check)
    timings.pack = packBlock!.reduce((ms, line) => ms + runLine(line, REPO_ROOT).ms, 0);
    // 2. a fresh directory: install the tarballs, then start the documented command on a free port
    let cwd = work;
    for (const line of serverBlock!.slice(0, -1)) {
      const r = runLine(line, cwd);
      cwd = r.cwd;
      if (line.startsWith('npm install')) timings.serverInstall = r.ms;
    }
    serverDir = cwd;
    const serve = serverBlock!.at(-1)!.split(' ');
    server = await startServer(serve, serverDir, { WITNESS_PORT: '0' });
    // 3. the app: another fresh directory with only the SDK
    cwd = work;
    for (const line of appBlock!) {
      const r = runLine(line, cwd);
      cwd = r.cwd;
      if (line.startsWith('npm install')) timings.sdkInstall = r.ms;
    }
    appDir = cwd;
    console.log(
      `tarball install: pack ${timings.pack} ms, server npm install ${timings.serverInstall} ms, sdk npm install ${timings.sdkInstall} ms`,
    );
  }, 600_000);

  it('the packages resolve from the install, not from the repository', () => {
    const resolved = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "for (const p of ['@witness/server', '@witness/protocol', '@witness/ui/package.json']) console.log(import.meta.resolve(p))",
      ],
      { cwd: serverDir, encoding: 'utf8' },
    );
    const urls = resolved.stdout.trim().split('\n');
    expect(urls).toHaveLength(3);
    for (const u of urls) expect(u.startsWith(`file://${serverDir}/node_modules/@witness/`), u).toBe(true);
    expect(readdirSync(tarballs).sort()).toEqual(
      ['cli', 'protocol', 'sdk', 'server', 'ui'].map((p) => `witness-${p}-0.1.0.tgz`),
    );
  });

  it('npx witness serve serves the UI in Chromium, the API and /readyz, with its data in ./data', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(existsSync(join(serverDir, 'data')), 'the default data dir is ./data').toBe(true);
    const browser = await launchBrowser();
    try {
      const page = browser.page;
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const res = await page.goto(`${server.url}/`);
      expect(res?.status()).toBe(200);
      await page
        .getByRole('link', { name: /traces/i })
        .first()
        .waitFor({ timeout: 15_000 });
      // a deep link is answered with the SPA too (the server's fallback to index.html)
      await page.goto(`${server.url}/overview?range=1h`);
      await page.getByTestId('chart-rate').waitFor({ timeout: 15_000 });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('an app with the installed @witness/sdk sends spans over OTLP; the API and the UI show them', async () => {
    writeFileSync(
      join(appDir, 'app.mjs'),
      `import { agent, init, llm, shutdown, tool } from '@witness/sdk';
init({ serviceName: 'tarball-app', endpoint: process.argv[2] });
let traceId;
await agent('packer', async (s) => {
  traceId = s.span.spanContext().traceId;
  await llm({ provider: 'openai', model: 'gpt-4o', usage: { inputTokens: 120, outputTokens: 30 } }, async () => 'ok');
  await tool({ name: 'weigh_box', args: { box: 7 } }, async () => ({ kg: 3 }));
});
await shutdown();
console.log(traceId);
`,
    );
    const r = spawnSync(process.execPath, ['app.mjs', server.url], {
      cwd: appDir,
      env: userEnv(),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const traceId = r.stdout.trim();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    let trace: TraceJson | undefined;
    await expect
      .poll(async () => {
        const res = await fetch(`${server.url}/api/traces/${traceId}`);
        trace = res.status === 200 ? ((await res.json()) as TraceJson) : undefined;
        return trace?.spans.length ?? 0;
      })
      .toBe(3);
    const byKind = Object.fromEntries(trace!.spans.map((s) => [s.kind, s]));
    expect(byKind.agent).toMatchObject({ serviceName: 'tarball-app', agentName: 'packer' });
    expect(byKind.llm).toMatchObject({ model: 'gpt-4o', inputTokens: 120, outputTokens: 30 });
    expect(byKind.tool).toMatchObject({ toolName: 'weigh_box' });
    // without --demo nothing else writes: the demo agents run only in demo mode
    const all = (await (await fetch(`${server.url}/api/traces?limit=10`)).json()) as { items: unknown[] };
    expect(all.items).toHaveLength(1);

    const browser = await launchBrowser();
    try {
      await browser.page.goto(`${server.url}/traces?service=tarball-app`);
      const row = browser.page.locator(`[data-testid=trace-row][data-trace-id="${traceId}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await row.textContent()).toContain('packer');
    } finally {
      await browser.close();
    }
  });

  it('Ctrl-C (SIGINT to the foreground process group) stops npx witness serve cleanly', async () => {
    const group = server.child.pid!;
    process.kill(-group, 'SIGINT');
    await server.exit;
    // npm ends itself with the signal its child got (exit code null, SIGINT); witness must have closed
    // the store on the way out and left no process of the group behind
    const { exitCode, signalCode } = server.child;
    expect(exitCode === 0 || signalCode === 'SIGINT', `exit ${exitCode}, signal ${signalCode}`).toBe(true);
    expect(server.stderr()).toContain('shutting down');
    await expect
      .poll(() => {
        try {
          process.kill(-group, 0);
          return 'alive';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
  });

  it("the image's command line (Dockerfile ENTRYPOINT + CMD) runs in this install and passes the HEALTHCHECK", async () => {
    const cmd = imageCommand(dockerfile);
    // the documented `npx witness serve` runs node_modules/.bin/witness serve; the image calls that bin
    // directly (ENV PATH), because npx does not forward docker stop's SIGTERM to it
    expect(['npx', ...cmd.slice(0, 2)], 'the entrypoint is the documented command').toEqual(
      serverBlock!.at(-1)!.split(' '),
    );
    const dataDir = mkdtempSync(join(work, 'data-'));
    // the container's /data becomes a temp dir; WITNESS_PORT=0 picks a free port (the image uses 4318)
    const argv = cmd.map((a) => (a === '/data' ? dataDir : a));
    const image = await startServer(argv, serverDir, {
      WITNESS_PORT: '0',
      PATH: `${join(serverDir, 'node_modules/.bin')}:${process.env.PATH}`,
    });
    const port = new URL(image.url).port;
    const [bin, ...args] = healthcheckCommand(dockerfile)!;
    const healthcheck = () =>
      spawnSync(bin === 'node' ? process.execPath : bin!, args, {
        env: { PATH: process.env.PATH, WITNESS_PORT: port },
        encoding: 'utf8',
        timeout: 10_000,
      });
    await expect.poll(() => healthcheck().status, { timeout: 30_000 }).toBe(0);
    const ui = await fetch(`http://127.0.0.1:${port}/`);
    expect(await ui.text()).toContain('<div id="app"');
    expect(readdirSync(dataDir).length, 'the store lives in the data dir').toBeGreaterThan(0);
    image.child.kill('SIGTERM'); // docker stop: SIGTERM to the entrypoint process only
    expect(await image.exit).toBe(0);
    expect(healthcheck().status, 'the health check fails once nothing answers').toBe(1);
  });
});
