/**
 * The README, as a new user follows it: a fresh `git clone` of this repository's committed HEAD,
 * `npm ci` (which builds through the root `prepare` script), then every `npx witness …` command the
 * README shows, parsed out of README.md so that the test follows the README rather than a copy of it.
 *
 * Each command runs through a shell in the clone's root with `npx`, exactly as typed there, except:
 * optional `[--flag value]` groups are all included (so every documented flag is exercised), `--port`
 * becomes 0 (4318 may be taken on a shared machine), `--endpoint` points at the server this test
 * started, and `<dir>` becomes a temporary directory. A command whose subcommand this test does not
 * know how to check fails the test, so a new README command cannot go untested.
 *
 * `npm ci` may reuse the local npm cache (`--prefer-offline`); the clone's install time is printed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/witness-process.js';

const LISTENING = /^Witness listening on (http:\/\/\S+)\s*$/m;
const DEMO_DONE = /^Demo: (\d+) agent runs sent\./m;

/** Every distinct `npx witness …` command in README.md: lines of code blocks and inline code spans. */
function readmeCommands(markdown: string): string[] {
  const found: string[] = [];
  for (const block of markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith('npx witness')) found.push(cmd);
    }
  }
  const prose = markdown.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  for (const span of prose.matchAll(/`(npx witness [^`]+)`/g)) found.push(span[1]!.trim());
  return [...new Set(found)];
}

/** The words after `npx witness` that name the subcommand (`audit verify`, `serve`, `--help`). */
function subcommandOf(cmd: string): string {
  const words = cmd.replace(/^npx witness\s*/, '').split(/\s+/);
  if (words[0]?.startsWith('-')) return words[0]!;
  const sub = [words[0]!];
  if (['audit', 'dashboards', 'anomaly', 'keys'].includes(words[0]!) && words[1] && !words[1].startsWith('-'))
    sub.push(words[1]);
  return sub.join(' ');
}

/** The command as this test runs it (see the header comment for the substitutions). */
function runnable(cmd: string, flags: Record<string, string>, placeholders: Record<string, string>): string {
  let s = cmd
    .replace(/\[([^\]]*)\]/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  s = s.replace(/<([a-z-]+)>/g, (whole, name: string) => {
    const value = placeholders[name];
    if (value === undefined)
      throw new Error(`README command "${cmd}" has a placeholder ${whole} this test cannot fill`);
    return value;
  });
  for (const [flag, value] of Object.entries(flags))
    s = s.replace(new RegExp(`(${flag}) \\S+`), `$1 ${value}`);
  return s;
}

/** The environment a user's shell would have: no WITNESS_* settings, no npm script context of ours. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('WITNESS_') || k.startsWith('npm_package_') || k.startsWith('npm_lifecycle_')) continue;
    env[k] = v;
  }
  // Never fetch a package called `witness` from the registry: a missing local bin must fail here.
  env.npm_config_offline = 'true';
  return env;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(command: string, cwd: string, timeoutMs = 180_000, env = userEnv()): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // its own process group: on timeout the whole tree (npm and what it runs) is killed, not only `sh`,
    // so nothing goes on writing into the clone while afterAll removes it
    const child = spawn('sh', ['-c', command], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already
      }
      reject(new Error(`"${command}" did not finish in ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `npx witness serve …`, in its own process group so Ctrl-C can be sent to all of it. */
interface Served {
  url: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Ctrl-C as a terminal sends it (SIGINT to the process group), then wait until every process is gone. */
  interrupt(): Promise<void>;
}

async function serve(command: string, cwd: string): Promise<Served> {
  const child = spawn('sh', ['-c', `exec ${command}`], {
    cwd,
    env: userEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const poke = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    poke();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    poke();
  });
  const waitFor = async (re: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(stdout);
      if (m) return m;
      if (exited) throw new Error(`"${command}" exited before printing ${re}; stderr:\n${stderr}`);
      if (Date.now() > deadline)
        throw new Error(`"${command}" did not print ${re} in time; stderr:\n${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  };
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const interrupt = async () => {
    if (groupAlive()) process.kill(-child.pid!, 'SIGINT');
    const deadline = Date.now() + 30_000;
    while (groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive()) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`"${command}" was still running 30 s after Ctrl-C`);
    }
  };
  const m = await waitFor(LISTENING, 60_000);
  return { url: m[1]!, child, output: () => ({ stdout, stderr }), waitFor, interrupt };
}

/** Every .js file under a directory. */
function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsFiles(path));
    else if (name.endsWith('.js')) out.push(path);
  }
  return out;
}

describe('readmeCommands', () => {
  it('finds commands in code blocks (without trailing comments) and inline code, once each', () => {
    const md = [
      'Run `npx witness a <dir>` first.',
      '```sh',
      'npx witness b --x 1   # a comment',
      'npm start',
      'npx witness b --x 1',
      '```',
    ].join('\n');
    expect(readmeCommands(md)).toEqual(['npx witness b --x 1', 'npx witness a <dir>']);
  });

  it('expands optional flags and applies the substitutions', () => {
    expect(runnable('npx witness serve [--port 4318] [--demo]', { '--port': '0' }, {})).toBe(
      'npx witness serve --port 0 --demo',
    );
    expect(runnable('npx witness dashboards export <dir>', {}, { dir: '/tmp/x' })).toBe(
      'npx witness dashboards export /tmp/x',
    );
    expect(() => runnable('npx witness x <file>', {}, {})).toThrow(/placeholder <file>/);
  });
});

describe('quickstart from a fresh clone', () => {
  const commands = readmeCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
  let work = '';
  let clone = '';
  let servers: Served[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'witness-quickstart-'));
    clone = join(work, 'witness');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, clone]);
    execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });
    const started = performance.now();
    // The install may reach the registry for what the cache lacks (a user's would); only npx must not.
    const { npm_config_offline: _offline, ...installEnv } = userEnv();
    const install = await sh('npm ci --prefer-offline --no-audit --no-fund', clone, 540_000, installEnv);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`quickstart: npm ci (with build) on a fresh clone of ${head.slice(0, 7)} took ${seconds} s`);
    if (install.code !== 0)
      throw new Error(`npm ci failed (${install.code}):\n${install.stderr.slice(-4000)}`);
  }, 600_000);

  afterAll(async () => {
    for (const s of servers) await s.interrupt().catch(() => {});
    // removing a whole clone with its node_modules takes minutes on a loaded machine
    if (work) rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  }, 300_000);

  it('the README shows npx witness commands', () => {
    // serve, demo, audit and dashboards are all documented there; if this drops, the parsing broke.
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it('ships no test code in the built dist', () => {
    const files = ['protocol', 'sdk', 'server', 'cli'].flatMap((p) =>
      jsFiles(join(clone, 'packages', p, 'dist')),
    );
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) => /['"](?:vitest|@vitest\/[^'"]*)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('runs every npx witness command the README shows', { timeout: 600_000 }, async () => {
    const ran = new Set<string>();
    const exportDir = join(work, 'grafana');
    writeFileSync(join(clone, 'witness.yaml'), 'retention:\n  maxAgeDays: 30\n');
    const subs = commands.map((c) => ({ cmd: c, sub: subcommandOf(c) }));
    const known = [
      'serve',
      'demo',
      'init',
      'audit public-key',
      'audit verify',
      'dashboards export',
      'anomaly score',
      'keys create',
      'keys list',
      '--help',
    ];
    // Inputs for the commands that read or write files of their own.
    const initOut = join(work, 'init', 'witness.yaml');
    const series = join(work, 'series.csv');
    const scores = join(work, 'scores.csv');
    const start = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: 200 }, (_, i) => {
      const t = new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
      return `${t},${i === 150 ? 500 : 10 + (i % 7)}`;
    });
    writeFileSync(series, `timestamp,value\n${rows.join('\n')}\n`);
    const unknown = subs.filter((s) => !known.includes(s.sub)).map((s) => s.cmd);
    expect(unknown, 'README commands this test does not know how to check').toEqual([]);

    // 1. serve (with the demo) — the README's audit commands read the ./data it writes.
    for (const { cmd } of subs.filter((s) => s.sub === 'serve')) {
      const server = await serve(runnable(cmd, { '--port': '0' }, {}), clone);
      servers.push(server);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const ui = await fetch(`${server.url}/`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toMatch(/<html/i);
      if (/--demo\b/.test(cmd)) {
        await server.waitFor(DEMO_DONE, 300_000);
        const list = (await (await fetch(`${server.url}/api/traces?limit=5`)).json()) as { items: unknown[] };
        expect(list.items.length).toBeGreaterThan(0);
      }
      // 2. demo, against this running server.
      for (const { cmd: demo } of subs.filter((s) => s.sub === 'demo')) {
        const r = await sh(runnable(demo, { '--endpoint': server.url }, {}), clone);
        expect(r.code, `${demo}\n${r.stderr}`).toBe(0);
        expect(r.stderr).toMatch(/sent \d+ traces/);
        ran.add(demo);
      }
      await server.interrupt();
      servers = servers.filter((s) => s !== server);
      expect(server.output().stderr).toMatch(/shutting down/);
      ran.add(cmd);
    }
    expect(existsSync(join(clone, 'data')), 'serve wrote ./data').toBe(true);

    // 3. everything else, in README order.
    for (const { cmd, sub } of subs) {
      if (ran.has(cmd)) continue;
      const flags: Record<string, string> = sub === 'init' ? { '--out': initOut, '--port': '0' } : {};
      const r = await sh(runnable(cmd, flags, { dir: exportDir, csv: series, scores }), clone);
      expect(r.code, `${cmd}\n${r.stderr}`).toBe(0);
      if (sub === '--help')
        for (const word of ['serve', 'demo', 'audit', 'dashboards']) expect(r.stdout).toContain(word);
      if (sub === 'audit public-key') {
        const target = />\s*(\S+)/.exec(cmd)?.[1];
        const pem = target ? readFileSync(join(clone, target), 'utf8') : r.stdout;
        expect(pem).toMatch(/-----BEGIN PUBLIC KEY-----/);
      }
      if (sub === 'audit verify') expect(r.stdout).toMatch(/^OK: [1-9]\d* entries/m);
      if (sub === 'init') {
        expect(readFileSync(initOut, 'utf8')).toMatch(/^server:/m);
        expect(r.stdout).toContain(`npx witness serve --config ${initOut}`);
      }
      // the key is the last line of stdout, shown once; list shows its name, never the key
      if (sub === 'keys create')
        expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^wk_[0-9a-f]{16}_\S{43}$/);
      if (sub === 'keys list') expect(r.stdout).toMatch(/\bingest\b/);
      if (sub === 'anomaly score') {
        const out = readFileSync(scores, 'utf8').trim().split('\n');
        expect(out[0]).toBe('timestamp,value,anomaly_score');
        expect(out.length).toBe(rows.length + 1);
      }
      if (sub === 'dashboards export')
        expect(
          readdirSync(join(exportDir, 'dashboards')).filter((f) => f.endsWith('.json')).length,
        ).toBeGreaterThan(0);
      ran.add(cmd);
    }
    expect([...ran].sort()).toEqual([...commands].sort());
  });
});
