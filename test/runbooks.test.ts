/**
 * Runbooks stay true: every runbook_url in the shipped Prometheus rules names an existing file, and
 * every `witness <command> [<subcommand>]` a runbook names is in the CLI's --help.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI_MAIN, REPO_ROOT } from './helpers/witness-process.js';

const rulesDir = join(REPO_ROOT, 'deploy/prometheus/rules');
const runbooksDir = join(REPO_ROOT, 'docs/runbooks');

it('every runbook_url in the shipped rules resolves to a runbook', () => {
  const urls: string[] = [];
  for (const f of readdirSync(rulesDir))
    for (const m of readFileSync(join(rulesDir, f), 'utf8').matchAll(/runbook_url:\s*"?([^"\n]+)"?/g))
      urls.push(m[1] as string);
  expect(urls.length).toBeGreaterThan(0);
  for (const url of urls) expect(existsSync(join(REPO_ROOT, url)), url).toBe(true);
});

const help = (args: string[]) =>
  spawnSync(process.execPath, [CLI_MAIN, ...args, '--help'], { encoding: 'utf8' }).stdout;
const commandsOf = (text: string) =>
  new Set([...(text.split('Commands:')[1]?.matchAll(/^ {2}(\S+)/gm) ?? [])].map((m) => m[1] as string));

it('every witness command named in a runbook exists', () => {
  const top = commandsOf(help([]));
  const named: string[][] = [];
  for (const f of readdirSync(runbooksDir))
    for (const m of readFileSync(join(runbooksDir, f), 'utf8').matchAll(
      /(?:^|[\s`])witness ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gm,
    ))
      named.push([m[1] as string, ...(m[2] ? [m[2]] : [])]);
  expect(named.length).toBeGreaterThan(0);
  for (const [cmd, sub] of named) {
    expect(top.has(cmd as string), `witness ${cmd}`).toBe(true);
    const subs = commandsOf(help([cmd as string]));
    if (sub && subs.size > 0) expect(subs.has(sub), `witness ${cmd} ${sub}`).toBe(true);
  }
});
