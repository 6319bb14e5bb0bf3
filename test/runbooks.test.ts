/**
 * Runbooks stay true: every runbook_url in the shipped Prometheus rules names an existing file, every
 * runbook is linked from at least one alert, every self-monitoring alert has one, and what a runbook
 * tells the operator to run exists: each `witness <command> [<subcommand>]` in the CLI's --help, each
 * `witness_*` metric among the names the server defines, each `/api/…` route in API_ROUTES.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ROUTES } from '@witness/protocol';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI_MAIN, REPO_ROOT } from './helpers/witness-process.js';

const rulesDir = join(REPO_ROOT, 'deploy/prometheus/rules');
const runbooksDir = join(REPO_ROOT, 'docs/runbooks');
const serverSrc = join(REPO_ROOT, 'packages/server/src');

interface Rule {
  alert?: string;
  annotations?: Record<string, string>;
}
const rulesOf = (file: string): Rule[] =>
  (parse(readFileSync(join(rulesDir, file), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
const alerts = readdirSync(rulesDir).flatMap((f) =>
  rulesOf(f)
    .filter((r) => r.alert)
    .map((r) => ({ file: f, name: r.alert as string, url: r.annotations?.runbook_url })),
);
const runbooks = readdirSync(runbooksDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
const runbookText = runbooks.map((f) => ({ file: f, text: readFileSync(join(runbooksDir, f), 'utf8') }));

it('every runbook_url in the shipped rules resolves to a runbook', () => {
  const urls = alerts.flatMap((a) => (a.url ? [a.url] : []));
  expect(urls.length).toBeGreaterThan(0);
  for (const url of urls) expect(existsSync(join(REPO_ROOT, url)), url).toBe(true);
});

it('every runbook is linked from at least one alert', () => {
  expect(runbooks.length).toBe(8);
  const linked = new Set(alerts.map((a) => a.url));
  for (const f of runbooks) expect(linked.has(`docs/runbooks/${f}`), f).toBe(true);
});

it('every alert on Witness itself has a runbook', () => {
  const self = alerts.filter((a) => a.file === 'witness-self.yml');
  expect(self.length).toBeGreaterThan(0);
  for (const a of self) expect(a.url, a.name).toBeTruthy();
});

const help = (args: string[]) =>
  spawnSync(process.execPath, [CLI_MAIN, ...args, '--help'], { encoding: 'utf8' }).stdout;
const commandsOf = (text: string) =>
  new Set([...(text.split('Commands:')[1]?.matchAll(/^ {2}(\S+)/gm) ?? [])].map((m) => m[1] as string));

it('every witness command named in a runbook exists', { timeout: 180_000 }, () => {
  const top = commandsOf(help([]));
  const named = new Map<string, Set<string>>();
  for (const { text } of runbookText)
    for (const m of text.matchAll(/(?:^|[\s`])witness ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gm)) {
      const subs = named.get(m[1] as string) ?? new Set<string>();
      if (m[2]) subs.add(m[2]);
      named.set(m[1] as string, subs);
    }
  expect(named.size).toBeGreaterThan(5);
  // one --help per command named (each is a CLI start, seconds on a loaded machine)
  for (const [cmd, wanted] of named) {
    expect(top.has(cmd), `witness ${cmd}`).toBe(true);
    if (wanted.size === 0) continue;
    const subs = commandsOf(help([cmd]));
    // a command without subcommands takes the next word as an argument or prose
    if (subs.size > 0) for (const sub of wanted) expect(subs.has(sub), `witness ${cmd} ${sub}`).toBe(true);
  }
});

/** Every `witness_…` string literal in the server's source: the metric names it can expose. */
function definedNames(): Set<string> {
  const names = new Set<string>();
  for (const e of readdirSync(serverSrc, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) continue;
    const text = readFileSync(join(e.parentPath, e.name), 'utf8');
    for (const m of text.matchAll(/['"`](witness_[a-z0-9_]+)['"`]/g)) names.add(m[1] as string);
  }
  return names;
}

it('every witness_* metric named in a runbook is one the server defines', () => {
  const defined = definedNames();
  let count = 0;
  for (const { file, text } of runbookText)
    for (const m of text.matchAll(/\bwitness_[a-z0-9_]*[a-z0-9](_?\*)?/g)) {
      if (m[1]) continue; // a family such as witness_llm_*
      count++;
      const name = m[0];
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(defined.has(name) || defined.has(base), `${file}: ${name}`).toBe(true);
    }
  expect(count).toBeGreaterThan(10);
});

it('every Witness API route named in a runbook is in API_ROUTES', () => {
  const patterns = API_ROUTES.map(
    (r) => new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+').replace(/[.]/g, '\\.')}$`),
  );
  let count = 0;
  for (const { file, text } of runbookText)
    for (const m of text.matchAll(/\/api\/[A-Za-z0-9_/{}<>.-]*[A-Za-z0-9_}>]/g)) {
      // /api/v1/… is Prometheus's HTTP API (targets, query), not Witness's
      if (m[0].startsWith('/api/v1/')) continue;
      count++;
      expect(
        patterns.some((p) => p.test(m[0])),
        `${file}: ${m[0]}`,
      ).toBe(true);
    }
  expect(count).toBeGreaterThan(3);
});
